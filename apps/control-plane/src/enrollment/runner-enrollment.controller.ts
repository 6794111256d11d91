import { Body, Controller, Post } from '@nestjs/common';
import { enrollRequestSchema, enrollResponseSchema, parseMessage, type EnrollResponse } from '@switchyard/protocol';
import { Public } from '../auth/access.decorators.js';
import { RunnerEnrollmentService } from './runner-enrollment.service.js';

export const ENROLL_PATH = '/v1/runners/enroll';
/**
 * An enroll request is well under 2 KiB; this route is open to anyone who can reach the control
 * plane, so it gets a body limit of its own instead of the API's (create-app.ts applies it).
 */
export const ENROLL_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Runners enroll over HTTPS (docs/runner.md): `switchyard-runner enroll` posts its public key with
 * a one-time token. No API key: the token is the credential, checked by the service. Errors leave
 * through DomainErrorFilter as `{ error: { code, message } }` (401 token, 409 name, 400 body).
 */
@Controller()
export class RunnerEnrollmentController {
  constructor(private readonly enrollment: RunnerEnrollmentService) {}

  @Post(ENROLL_PATH)
  @Public()
  async enroll(@Body() body: unknown): Promise<EnrollResponse> {
    // The protocol version first: an old runner is told to upgrade, not shown schema problems.
    const request = parseMessage(enrollRequestSchema, body);
    // What we send must be what the runner accepts (a bad config would fail here, as a 500).
    return enrollResponseSchema.parse(await this.enrollment.enroll(request));
  }
}
