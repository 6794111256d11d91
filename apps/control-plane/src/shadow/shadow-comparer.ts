import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logging.module.js';
import { compareAnswers } from './compare/compare-answers.js';
import { learnNoise } from './compare/noise.js';
import { resultLeaves } from './compare/result-leaves.js';
import { ShadowRepository, type ShadowVerdict } from './shadow.repository.js';
import { ShadowStore, type ShadowPayload } from './shadow-store.js';
import { ShadowUpstream, type ShadowRun } from './shadow-upstream.js';

/**
 * Champion-vs-champion pairs, per (server, tool): every call until PAIRS_FIRST pairs succeeded (so
 * noise is known before it could be mistaken for differences; a call is not compared before the
 * first), then every PAIR_EVERY-th call of a rollout (noise that shows up later, e.g. a field
 * present only some of the time). Each pair costs the champion one extra execution.
 */
export const PAIRS_FIRST = 3;
export const PAIR_EVERY = 20;

export type ShadowJobResult = { verdict: ShadowVerdict; reason?: string } | { verdict: 'dropped'; reason: string };

/**
 * One mirrored call: replay it on the challenger (and, for a pair, on the champion again to learn
 * noise), compare with the champion's answer minus the learned noise, count the verdict.
 */
@Injectable()
export class ShadowComparer {
  constructor(
    private readonly store: ShadowStore,
    private readonly repository: ShadowRepository,
    private readonly upstream: ShadowUpstream,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async process(job: { payloadId: string; rolloutId: string; tool: string }): Promise<ShadowJobResult> {
    const payload = await this.store.takePayload(job.payloadId);
    if (payload === null) return this.notCompared(job.rolloutId, job.tool, 'the payload expired before a worker took it');
    const rollout = await this.repository.rolloutById(payload.rolloutId);
    // The rollout moved on (or the operator took the tool off the list) while the job waited.
    if (rollout === null || rollout.phase !== 'SHADOW') return { verdict: 'dropped', reason: 'the rollout is no longer in SHADOW' };
    if (!rollout.shadowTools.includes(payload.tool)) return { verdict: 'dropped', reason: `${payload.tool} is no longer on the allow-list` };
    if (rollout.championVersionId !== payload.championVersionId) return { verdict: 'dropped', reason: 'answered by another version than the champion' };

    const champion = resultLeaves(payload.championAnswer);
    const seen = await this.store.countCall(rollout.rolloutId, payload.tool);
    const known = await this.store.noiseOf(payload.serverName, payload.tool);
    if (known.pairs < PAIRS_FIRST || seen % PAIR_EVERY === 0) await this.learnFromPair(rollout.championVersionId, payload, champion);

    const challenger = await this.upstream.run(rollout.challengerVersionId, payload);
    if (challenger.kind === 'not-run') return this.notCompared(rollout.rolloutId, payload.tool, `not run on the challenger: ${challenger.reason}`);
    if (challenger.declinedClientRequests > 0) {
      // The champion's client may have answered what the shadow client refused: not comparable.
      return this.notCompared(rollout.rolloutId, payload.tool, 'the challenger asked the client (sampling, elicitation…), which a shadow call declines');
    }
    const { noise, pairs } = await this.store.noiseOf(payload.serverName, payload.tool);
    // Without a single pair the noise is unknown: a timestamp would count as a difference.
    if (pairs === 0) return this.notCompared(rollout.rolloutId, payload.tool, 'no champion-vs-champion pair yet (the champion had no free replica to repeat the call on)');
    const comparison = compareAnswers(champion, resultLeaves(answerOf(challenger)), noise);
    const verdict: ShadowVerdict = comparison.differs ? 'different' : 'same';
    await this.repository.recordComparison(rollout.rolloutId, payload.tool, verdict, null);
    if (comparison.differs) await this.store.addExample(rollout.rolloutId, payload.tool, comparison.differences, new Date());
    return { verdict };
  }

  /** The champion again with the same arguments; what differs between its two answers is noise. */
  private async learnFromPair(championVersionId: string, payload: ShadowPayload, first: ReturnType<typeof resultLeaves>): Promise<void> {
    const again = await this.upstream.run(championVersionId, payload);
    // Only two good answers teach: a failure or a declined client request would make real content look like noise.
    if (again.kind !== 'ran' || again.outcome !== 'OK' || again.declinedClientRequests > 0) {
      this.logger.debug({ rolloutId: payload.rolloutId, tool: payload.tool, run: again.kind === 'ran' ? again.outcome : again.reason }, 'shadow pair taught nothing');
      return;
    }
    const learned = learnNoise(first, resultLeaves(answerOf(again)));
    await this.store.learn(payload.serverName, payload.tool, learned);
    if (learned.size > 0) this.logger.debug({ rolloutId: payload.rolloutId, tool: payload.tool, paths: [...learned.keys()] }, 'shadow noise learned');
  }

  private async notCompared(rolloutId: string, tool: string, reason: string): Promise<ShadowJobResult> {
    await this.repository.recordComparison(rolloutId, tool, 'not-compared', reason);
    return { verdict: 'not-compared', reason };
  }
}

/**
 * What is compared of a run: the JSON-RPC result or error, as `{ result }` / `{ error }` (the shape
 * the gateway stores of the champion's answer). A run without an answer (timeout, the runner gone)
 * is `{ noAnswer: <outcome> }`, which differs from any answer.
 */
export function answerOf(run: Extract<ShadowRun, { kind: 'ran' }>): unknown {
  const { answer } = run;
  if (answer === undefined) return { noAnswer: run.outcome };
  return 'result' in answer ? { result: answer.result } : { error: answer.error };
}
