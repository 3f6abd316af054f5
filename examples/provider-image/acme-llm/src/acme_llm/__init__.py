"""Acme model gateway provider for Llama Stack (an example external provider)."""
from typing import Any

from .config import AcmeLLMConfig


async def get_adapter_impl(config: AcmeLLMConfig, _deps: dict[Any, Any]):
    """Called by Llama Stack at start-up for a remote provider (module: acme_llm)."""
    from .adapter import AcmeLLMAdapter

    adapter = AcmeLLMAdapter(config)
    await adapter.initialize()
    return adapter
