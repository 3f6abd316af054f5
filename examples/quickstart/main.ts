// `npm run synth` (cdk8s synth, see cdk8s.yaml) runs this file and writes dist/quickstart.k8s.yaml.
import { App } from 'cdk8s';
import { quickstart } from './app';

const app = new App();
quickstart(app);
app.synth();
