/**
 * One token bucket per key, taken from atomically in Redis so every control-plane replica draws
 * from the same bucket. Time is Redis' own clock (TIME), not the callers': replicas with skewed
 * clocks cannot refill a bucket early. State: a hash { tokens, at } that expires once the bucket
 * would be full again (an idle key costs no memory).
 *
 * KEYS[1] bucket · ARGV[1] refill rate (tokens per second) · ARGV[2] burst (capacity) · ARGV[3] cost
 * Returns { allowed (1|0), tokens left (string: Lua numbers to Redis integers truncate), retry after ms }.
 */
export const TOKEN_BUCKET_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { allowed, string.format('%.6f', tokens), retry }
`;
