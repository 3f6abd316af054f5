// `cdk8s synth -a 'npx ts-node examples/scale-out/main.ts'` writes dist/scale-out.k8s.yaml.
import { App } from 'cdk8s';
import { scaleOut } from './app';

const app = new App();
scaleOut(app);
app.synth();
