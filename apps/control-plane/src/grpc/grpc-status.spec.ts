import { status as Status } from '@grpc/grpc-js';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import { ERROR_CODE_METADATA, grpcFailureOf, grpcStatusOf } from './grpc-status.js';

describe('grpcStatusOf', () => {
  it.each([
    [ErrorCode.UNAUTHENTICATED, Status.UNAUTHENTICATED, 16],
    [ErrorCode.FORBIDDEN, Status.PERMISSION_DENIED, 7],
    [ErrorCode.NOT_FOUND, Status.NOT_FOUND, 5],
    [ErrorCode.BAD_USER_INPUT, Status.INVALID_ARGUMENT, 3],
    [ErrorCode.RATE_LIMITED, Status.RESOURCE_EXHAUSTED, 8],
    [ErrorCode.NO_ELIGIBLE_RUNNER, Status.UNAVAILABLE, 14],
    [ErrorCode.UPSTREAM_FAILED, Status.UNAVAILABLE, 14],
    [ErrorCode.CONFLICT, Status.ALREADY_EXISTS, 6],
    [ErrorCode.INTERNAL, Status.INTERNAL, 13],
  ])('maps %s to gRPC status %s (%i)', (code, expected, number) => {
    expect(grpcStatusOf(code)).toBe(expected);
    expect(expected).toBe(number);
  });

  it('maps every domain error code', () => {
    for (const code of Object.values(ErrorCode)) expect(typeof grpcStatusOf(code)).toBe('number');
  });
});

describe('grpcFailureOf', () => {
  it('carries the domain code in trailing metadata and the message as details', () => {
    const failure = grpcFailureOf(DomainError.forbidden('This API key may not call tool echo'));

    expect(failure.code).toBe(Status.PERMISSION_DENIED);
    expect(failure.details).toBe('This API key may not call tool echo');
    expect(failure.metadata.get(ERROR_CODE_METADATA)).toEqual(['FORBIDDEN']);
  });

  it('adds a retry hint when the error has one', () => {
    const failure = grpcFailureOf(new DomainError(ErrorCode.RATE_LIMITED, 'slow down', { retryAfterMs: 250.2 }));

    expect(failure.metadata.get('retry-after-ms')).toEqual(['251']);
  });

  it('hides what an unexpected error says', () => {
    const failure = grpcFailureOf(new Error('password=hunter2 in a stack'));

    expect(failure).toMatchObject({ code: Status.INTERNAL, details: 'internal error' });
    expect(failure.metadata.get(ERROR_CODE_METADATA)).toEqual(['INTERNAL']);
  });
});
