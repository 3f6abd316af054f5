import { App } from 'cdk8s';
import { externalProviders } from './app';

const app = new App();
externalProviders(app);
app.synth();
