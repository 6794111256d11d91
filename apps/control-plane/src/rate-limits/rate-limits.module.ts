import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter.js';

/** Shared (Redis) rate limits; the gateway asks RateLimiter before it relays a call. */
@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class RateLimitsModule {}
