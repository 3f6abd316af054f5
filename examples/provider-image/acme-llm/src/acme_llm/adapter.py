"""The adapter: an implementation of Llama Stack's Inference API that calls the Acme gateway.

A skeleton: an OpenAI-compatible gateway can reuse Llama Stack's OpenAI mixin instead of writing each
method; see Llama Stack's remote inference providers for complete adapters.
"""
import httpx

from .config import AcmeLLMConfig


class AcmeLLMAdapter:
    def __init__(self, config: AcmeLLMConfig) -> None:
        self.config = config
        self.client: httpx.AsyncClient | None = None

    async def initialize(self) -> None:
        headers = {}
        if self.config.api_key is not None:
            headers["Authorization"] = "Bearer " + self.config.api_key.get_secret_value()
        self.client = httpx.AsyncClient(base_url=self.config.base_url, headers=headers, timeout=self.config.timeout_seconds)

    async def shutdown(self) -> None:
        if self.client is not None:
            await self.client.aclose()
