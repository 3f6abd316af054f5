/**
 * Checks taken from the Llama Stack 0.7.1 runtime (src/config/runtime.ts): configs that pass every schema
 * and would still fail at start-up or on every request.
 */
import { configIssues } from '../support/config';

const errors = configIssues;

const starter = { name: 'starter' };

describe('OpenAI API roots need /v1', () => {
  // 0.7.1 providers/utils/inference/openai_mixin.py builds AsyncOpenAI(base_url=self.get_base_url()), and
  // remote/inference/{vllm/vllm.py, ollama/ollama.py, llama_cpp_server/llama_cpp_server.py, openai/openai.py}
  // return str(self.config.base_url) as is: the client then posts to <base_url>/chat/completions.
  test.each([
    ['vllm', 'http://qwen-prod.models.svc:8000'],
    ['vllm', 'http://qwen-prod.models.svc:8000/'],
    ['vllm', 'http://qwen-prod.models.svc:8000/v2'],
    ['ollama', 'http://ollama.ollama.svc:11434'],
    ['llama-cpp-server', 'http://llama-cpp.models.svc:8080'],
    ['openai', 'https://gateway.example.com/openai'],
  ])('%s at %s is refused with the fix', (provider, endpoint) => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider, endpoint, id: 'x' }] } })).toEqual([
      expect.stringMatching(new RegExp(`^providers\\.inference\\[0\\]\\.endpoint: '${endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' does not end in /v1: remote::${provider} uses it as the OpenAI API root`)),
    ]);
  });

  test.each(['http://qwen-prod.models.svc:8000/v1', 'http://qwen-prod.models.svc:8000/v1/', 'https://gw.example.com/openai/v1'])('%s is fine', (endpoint) => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint }] } })).toEqual([]);
  });

  test('a base provider switched on by env is checked at the variable', () => {
    expect(errors({ distribution: starter, env: { VLLM_URL: 'http://vllm.models.svc:8000' } })).toEqual([
      "env.VLLM_URL (providers.inference[2] 'vllm' of the base config): 'http://vllm.models.svc:8000' does not end in /v1: remote::vllm uses it as the OpenAI API root and sends requests to <url>/chat/completions, which the server answers with 404 (vLLM serves its OpenAI API under /v1)",
    ]);
    // From a Secret the value is not known at synth time: nothing to say.
    expect(errors({ distribution: starter, secretEnv: { VLLM_URL: { name: 'urls', key: 'vllm' } } })).toEqual([]);
  });

  test('providers the check does not know (hosted APIs with their own paths) are left alone', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'together', apiKey: { name: 't', key: 'k' } }] } })).toEqual([]);
  });
});

describe('an enabled vLLM provider needs a URL', () => {
  // 0.7.1 remote/inference/vllm/vllm.py VLLMInferenceAdapter.initialize():
  //   if not self.config.base_url: raise ValueError("You must provide a URL in config.yaml (or via the VLLM_URL ...")
  const files = { files: [{ provider: 'localfs' }] };

  test('postgres-demo\'s vllm-inference has a fixed ID and base_url ${env.VLLM_URL:=}: without VLLM_URL it would not start', () => {
    expect(errors({ distribution: { name: 'postgres-demo' }, providers: files, env: { INFERENCE_MODEL: 'm' } })).toEqual([
      "distribution (providers.inference[0] 'vllm-inference' of the base config): remote::vllm provider 'vllm-inference' is enabled but has no URL, so the server would not start (VLLMInferenceAdapter.initialize() raises \"You must provide a URL in config.yaml (or via the VLLM_URL environment variable) to use vLLM.\")",
    ]);
    expect(errors({ distribution: { name: 'postgres-demo' }, providers: files, env: { INFERENCE_MODEL: 'm', VLLM_URL: 'http://v.m.svc:8000/v1' } })).toEqual([]);
  });

  test('starter\'s vllm is off (${env.VLLM_URL:+vllm}) until VLLM_URL is set: no URL, no error', () => {
    expect(errors({ distribution: starter })).toEqual([]);
  });

  test('a user provider with an empty base_url setting', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'vllm', id: 'v', settings: { base_url: '' } }] } })).toEqual([
      expect.stringMatching(/^providers\.inference\[0\]\.endpoint: remote::vllm provider 'v' is enabled but has no URL/),
    ]);
  });
});
