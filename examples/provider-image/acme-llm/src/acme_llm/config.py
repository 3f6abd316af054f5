from pydantic import BaseModel, Field, SecretStr


class AcmeLLMConfig(BaseModel):
    """The provider's `config:` block in config.yaml."""

    base_url: str = Field(description="URL of the Acme gateway, e.g. http://acme-llm.models.svc:8080/v1")
    api_key: SecretStr | None = Field(default=None, description="Gateway API key (give it with secretRefs)")
    timeout_seconds: float = 60.0
