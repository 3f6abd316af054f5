import { App } from 'cdk8s';
import { hostedAndSafety } from './app';

const app = new App();
hostedAndSafety(app);
app.synth();
