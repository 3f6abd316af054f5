import { App } from 'cdk8s';
import { platform } from './app';

const app = new App();
platform(app);
app.synth();
