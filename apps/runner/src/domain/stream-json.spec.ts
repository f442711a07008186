import { parseLine, readApiRefusal, readApiRetry, readInit, readResult, readVerdict } from './stream-json';

/** A result line as the pinned CLI (2.1.330) prints it, trimmed of fields the runner ignores. */
const RESULT_LINE = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  api_error_status: null,
  duration_ms: 630,
  duration_api_ms: 149,
  num_turns: 2,
  result: 'Implemented: Add health (wrote IMPLEMENTED.md)',
  stop_reason: 'end_turn',
  session_id: '7ff5dc9e-dbd1-45a3-a02c-968c014664fd',
  total_cost_usd: 0.10008,
  usage: { input_tokens: 24640, cache_creation_input_tokens: 0, cache_read_input_tokens: 12, output_tokens: 76, service_tier: 'standard' },
  modelUsage: { 'claude-opus-5-5': { inputTokens: 24640, outputTokens: 76, costUSD: 0.10008 } },
  permission_denials: [{ tool_name: 'Write', tool_use_id: 'toolu_4caaec2e816a3af5', tool_input: { file_path: '/ws/IMPLEMENTED.md' } }],
  uuid: 'af4017f9-aaec-4070-98e2-b92488b09ecb',
});

describe('stream-json', () => {
  describe('parseLine', () => {
    it('given a JSON object line, then it is parsed', () => {
      expect(parseLine('{"type":"mystery","x":1}')).toEqual({ type: 'mystery', x: 1 });
    });

    it.each(['this is not json', '{broken', '[1,2]', '"text"', ''])('given %j, then it is kept as text (null)', (line) => {
      expect(parseLine(line)).toBeNull();
    });
  });

  describe('readResult', () => {
    it('given the result line, then cost, usage, turns, session, duration and denied tools are read', () => {
      const json = parseLine(RESULT_LINE);
      expect(json && readResult(json)).toEqual({
        text: 'Implemented: Add health (wrote IMPLEMENTED.md)',
        apiErrorStatus: null,
        result: {
          isError: false,
          subtype: 'success',
          totalCostUsd: 0.10008,
          usage: { inputTokens: 24640, outputTokens: 76, cacheCreationInputTokens: 0, cacheReadInputTokens: 12 },
          numTurns: 2,
          sessionId: '7ff5dc9e-dbd1-45a3-a02c-968c014664fd',
          durationMs: 630,
          permissionDenials: ['Write'],
        },
      });
    });

    it('given an API error result (is_error with subtype success), then the error and its HTTP status are read', () => {
      const final = readResult({ type: 'result', subtype: 'success', is_error: true, api_error_status: 401, result: 'Invalid API key · Fix external API key' });
      expect(final).toMatchObject({ apiErrorStatus: 401, text: 'Invalid API key · Fix external API key', result: { isError: true, totalCostUsd: 0, numTurns: 0, sessionId: '' } });
    });

    it('given any other line, then it is not a result', () => {
      expect(readResult({ type: 'assistant', message: {} })).toBeNull();
    });
  });

  describe('readInit', () => {
    it('given the init line, then the session and the slash commands found are read', () => {
      expect(readInit({ type: 'system', subtype: 'init', session_id: 's-1', slash_commands: ['create-spec', 'review', 'compact', 7] })).toEqual({
        sessionId: 's-1',
        slashCommands: ['create-spec', 'review', 'compact'],
      });
      expect(readInit({ type: 'system', subtype: 'init', session_id: 's-2' })).toEqual({ sessionId: 's-2', slashCommands: null });
      expect(readInit({ type: 'system', subtype: 'api_retry' })).toBeNull();
    });
  });

  describe('readApiRefusal', () => {
    it('given an api_retry for a refused key, then it is a refusal (no retry can fix it)', () => {
      const line = { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 550, error_status: 401, error: 'authentication_failed' };
      expect(readApiRefusal(line)).toEqual({ status: 401, error: 'authentication_failed' });
    });

    it('given an api_retry for an overloaded or failing API, then it is not (the CLI retrying may help)', () => {
      expect(readApiRefusal({ type: 'system', subtype: 'api_retry', error_status: 529, error: 'overloaded' })).toBeNull();
      expect(readApiRefusal({ type: 'system', subtype: 'api_retry', error_status: null, error: 'connection_refused' })).toBeNull();
    });
  });

  describe('readApiRetry', () => {
    it('given the api_retry line the real CLI prints for a 429, then its status, error and delay', () => {
      const line = { type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 2, retry_delay_ms: 1082, error_status: 429, error: 'rate_limit', session_id: 's' };
      expect(readApiRetry(line)).toEqual({ status: 429, error: 'rate_limit', retryDelayMs: 1082 });
    });

    it('given another line, then none', () => {
      expect(readApiRetry({ type: 'system', subtype: 'init' })).toBeNull();
    });
  });

  describe('readVerdict', () => {
    it('given a review ending in a verdict block, then the last block is the verdict', () => {
      const text = 'Looks fine.\n\n```verdict\n{"verdict":"fail","findings":["old"]}\n```\nOn second thought:\n```verdict\n{"verdict":"pass","findings":[]}\n```';
      expect(readVerdict(text)).toEqual({ verdict: 'pass', findings: [] });
    });

    it.each([
      ['no block', 'All good.'],
      ['invalid JSON', '```verdict\n{pass}\n```'],
      ['a wrong shape', '```verdict\n{"verdict":"maybe","findings":[]}\n```'],
    ])('given %s, then there is no verdict', (_what, text) => {
      expect(readVerdict(text)).toBeNull();
    });
  });
});
