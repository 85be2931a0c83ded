import { JobStage } from "@inferd/grpc-types/v1";

// Lua run atomically inside Redis: each changes a job's state and publishes the resulting
// update in one step, so every replica sees the same updates in the same order (`seq`),
// and an image's outcome is recorded at most once (HSETNX) however often it is redelivered.
//
// Job hash fields: spec (JSON), total, finished, failed, skipped, seq, update (JSON of the
// current update), stage, startedAt / endedAt (ms, Redis clock), cancel ("1").
// Images hash: image index -> outcome JSON, or "skip" (not run: its job was cancelled).

const PRELUDE = `
local DONE, FAILED, CANCELLED, PREPROCESS = ${JobStage.DONE}, ${JobStage.FAILED}, ${JobStage.CANCELLED}, ${JobStage.PREPROCESS}
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(job, field)
  return tonumber(redis.call('HGET', job, field) or '0') or 0
end
local function emit(job, channel, u, extra)
  local total, finished, failed = num(job, 'total'), num(job, 'finished'), num(job, 'failed')
  local started, ended, t = num(job, 'startedAt'), num(job, 'endedAt'), now()
  if u.progress == nil then
    if total == 0 then u.progress = 100 else u.progress = math.min(100, (finished + extra) / total * 100) end
  end
  -- Several replicas publish for one job: progress is a high-water mark, so it never goes back.
  local before = tonumber(redis.call('HGET', job, 'progress') or '0') or 0
  if u.progress < before then u.progress = before end
  redis.call('HSET', job, 'progress', u.progress)
  local stop = t
  if ended > 0 then stop = ended end
  local elapsed = 0
  if started > 0 then elapsed = math.max(0, stop - started) end
  u.summary = { imagesTotal = total, imagesSucceeded = finished - failed, imagesFailed = failed, elapsedMs = elapsed }
  u.time = t
  u.seq = redis.call('HINCRBY', job, 'seq', 1)
  local json = cjson.encode(u)
  redis.call('HSET', job, 'update', json, 'stage', u.stage)
  redis.call('PUBLISH', channel, json)
  return u.seq
end
local function blank(job, stage, message)
  local spec = cjson.decode(redis.call('HGET', job, 'spec'))
  return { jobId = spec.id, stage = stage, message = message, imageUri = '', imageIndex = 0, resultUri = '', maskUri = '', imageError = '', resultCount = 0 }
end
local function endJob(job, images, open, channel, stage, message, retention)
  redis.call('HSET', job, 'endedAt', now())
  local u = blank(job, stage, message)
  if stage == DONE then u.progress = 100 end
  emit(job, channel, u, 0)
  redis.call('SREM', open, u.jobId)
  if retention > 0 then
    redis.call('PEXPIRE', job, retention)
    redis.call('PEXPIRE', images, retention)
  end
  return stage
end
local function ended(job)
  return num(job, 'endedAt') > 0
end
`;

/** KEYS job, open, project index; ARGV channel, spec JSON, total, index member, queue size. 1 = queued, 0 = queue full. */
export const SUBMIT = `${PRELUDE}
local job, open, projectIndex = KEYS[1], KEYS[2], KEYS[3]
if redis.call('SCARD', open) >= tonumber(ARGV[5]) then return 0 end
local spec = cjson.decode(ARGV[2])
redis.call('HSET', job, 'spec', ARGV[2], 'total', ARGV[3], 'finished', 0, 'failed', 0, 'skipped', 0, 'seq', 0)
emit(job, ARGV[1], blank(job, ${JobStage.QUEUED}, ''), 0)
redis.call('ZADD', projectIndex, 0, ARGV[4])
redis.call('SADD', open, spec.id)
return 1`;

/**
 * An image starts (PREPROCESS). KEYS job, images; ARGV channel, update JSON, image index.
 * Returns the update's seq; 0 when the job has ended, -1 when the image is already
 * recorded, -2 when a cancel was requested (the worker records the image as skipped).
 */
export const START_IMAGE = `${PRELUDE}
local job, images = KEYS[1], KEYS[2]
if redis.call('EXISTS', job) == 0 or ended(job) then return 0 end
if redis.call('HEXISTS', images, ARGV[3]) == 1 then return -1 end
if redis.call('HGET', job, 'cancel') == '1' then return -2 end
if num(job, 'startedAt') == 0 then redis.call('HSET', job, 'startedAt', now()) end
return emit(job, ARGV[1], cjson.decode(ARGV[2]), 0)`;

/** A progress update of a running job. KEYS job; ARGV channel, update JSON, extra (0-1 of an image). 0 once ended. */
export const EMIT = `${PRELUDE}
local job = KEYS[1]
if redis.call('EXISTS', job) == 0 or ended(job) then return 0 end
return emit(job, ARGV[1], cjson.decode(ARGV[2]), tonumber(ARGV[3]))`;

/**
 * Records one image's outcome exactly once, publishes it, and ends the job after its last
 * image. KEYS job, images, open; ARGV channel, index, outcome JSON or "skip", update JSON
 * (ignored for "skip"), "1" when the outcome is a failure, retention ms.
 * Returns 1 when recorded, 0 when the image was already recorded or the job had ended.
 */
export const SETTLE = `${PRELUDE}
local job, images, open, channel = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
if redis.call('EXISTS', job) == 0 or ended(job) then return 0 end
if redis.call('HSETNX', images, ARGV[2], ARGV[3]) == 0 then return 0 end
if ARGV[3] == 'skip' then
  redis.call('HINCRBY', job, 'skipped', 1)
else
  redis.call('HINCRBY', job, 'finished', 1)
  if ARGV[5] == '1' then redis.call('HINCRBY', job, 'failed', 1) end
  emit(job, channel, cjson.decode(ARGV[4]), 0)
end
local total, finished, failed, skipped = num(job, 'total'), num(job, 'finished'), num(job, 'failed'), num(job, 'skipped')
if finished + skipped < total then return 1 end
local retention = tonumber(ARGV[6])
if skipped > 0 then
  endJob(job, images, open, channel, CANCELLED, 'cancelled after ' .. finished .. ' of ' .. total .. ' images', retention)
elseif failed == 0 then
  endJob(job, images, open, channel, DONE, total .. ' images processed', retention)
else
  endJob(job, images, open, channel, DONE, total .. ' images processed, ' .. failed .. ' failed', retention)
end
return 1`;

/** Ends a job (FAILED, e.g. its results cannot be stored). KEYS job, images, open; ARGV channel, stage, message, retention ms. Returns its end stage. */
export const FINISH = `${PRELUDE}
local job, images, open = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', job) == 0 then return 0 end
if ended(job) then return num(job, 'stage') end
return endJob(job, images, open, ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]))`;

/**
 * Cancels a job. KEYS job, images, open; ARGV channel, retention ms. A job no image of which
 * has started ends CANCELLED at once; a running one is flagged (workers stop before their
 * next image and before storing results) and 0 is returned: its end is published later.
 * Returns the end stage, 0 while it is still ending, -1 for an unknown job.
 */
export const CANCEL = `${PRELUDE}
local job, images, open, channel = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
if redis.call('EXISTS', job) == 0 then return -1 end
if ended(job) then return num(job, 'stage') end
if num(job, 'startedAt') == 0 then
  redis.call('HSET', job, 'cancel', '1')
  return endJob(job, images, open, channel, CANCELLED, 'cancelled while queued', tonumber(ARGV[2]))
end
if redis.call('HGET', job, 'cancel') ~= '1' then
  redis.call('HSET', job, 'cancel', '1')
  local current = cjson.decode(redis.call('HGET', job, 'update'))
  local u = blank(job, current.stage, 'cancel requested: the job stops after the images in hand')
  u.imageUri, u.imageIndex, u.progress = current.imageUri, current.imageIndex, current.progress
  emit(job, channel, u, 0)
end
return 0`;
