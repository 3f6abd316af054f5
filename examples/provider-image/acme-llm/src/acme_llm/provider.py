"""What Llama Stack imports first for `module: acme_llm`: <packageName>.provider.get_provider_spec()."""
from llama_stack_api import Api, RemoteProviderSpec


def get_provider_spec() -> RemoteProviderSpec:
    # api and provider_type must match lls-provider-spec.yaml (the install step warns when they differ).
    return RemoteProviderSpec(
        api=Api.inference,
        provider_type="remote::acme-llm",
        adapter_type="acme-llm",
        module="acme_llm",
        config_class="acme_llm.config.AcmeLLMConfig",
        pip_packages=[],
    )
