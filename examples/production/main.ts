import { App } from 'cdk8s';
import { production } from './app';

const app = new App();
production(app);
app.synth();
