"""The quickstart (examples/quickstart/app.ts) in Python: the same objects, in Python naming.

Needs the Python bindings (`npx projen bindings` builds the wheel into dist/bindings/wheel) and, to run, the
jsii runtime and cdk8s from PyPI: `pip install jsii constructs cdk8s cdk8s-plus-28 dist/bindings/wheel/*.whl`,
plus Node.js >= 22 on PATH (jsii runs the library in a Node process). `python3 main.py` then writes
dist/quickstart.k8s.yaml, the same YAML as `npm run synth`. test/jsii-api.test.ts checks every class, method
and keyword argument used here against the generated bindings (it cannot run the app: no PyPI here).
"""
from cdk8s import App, Chart

import cdk8s_llama_stack as lls


def quickstart(app: App) -> Chart:
    chart = Chart(app, "quickstart", namespace="llm")
    pool = lls.GpuNodePool(chart, "a100", gpu_product="NVIDIA-A100-SXM4-80GB", gpus_per_node=8, nodes=2)
    llama = lls.VllmModel(
        chart,
        "llama-8b",
        model="meta-llama/Llama-3.1-8B-Instruct",
        environment="production",
        max_model_len=8192,
        node_pool=pool,
        hf_token=lls.SecretKeyRef(name="hf", key="token"),
        api_key=lls.SecretKeyRef(name="vllm-creds", key="token"),
        cache=lls.VllmCacheSpec(size="100Gi"),
        extra_args=["--enable-chunked-prefill"],
    )
    lls.LlamaStack(
        chart,
        "stack",
        distribution=lls.DistributionSpec(name="starter"),
        providers=lls.ProvidersSpec(inference=[llama.as_inference_provider()]),
        storage=lls.StorageSpec(
            sql=lls.StorageBackendSpec(
                type="postgres",
                connection_string="postgresql://llama@pg.db.svc:5432/llama",
                password=lls.SecretKeyRef(name="pg", key="password"),
            ),
        ),
    )
    registry = lls.ModelRegistry(
        chart,
        "registry",
        database=lls.RegistryDatabaseSpec(
            connection_string=lls.SecretKeyRef(name="registry-db", key="url"),
            host="pg.db.svc.cluster.local",
        ),
        health_check=lls.RegistryHealthCheckSpec(schedule="*/2 * * * *"),
    )
    lls.ModelRegistryEntry(chart, "llama-8b-entry", registry=registry, model=llama)
    return chart


if __name__ == "__main__":
    app = App(outdir="dist")
    quickstart(app)
    app.synth()
