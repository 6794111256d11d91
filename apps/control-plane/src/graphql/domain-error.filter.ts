import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { toDomainError, toGraphQLError } from './error-mapping.js';

const HTTP_STATUS: Record<string, number> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
  // A runner's message that breaks the protocol (an old version, a malformed enroll request).
  [ErrorCode.PROTOCOL_ERROR]: 400,
};

interface FastifyReplyLike {
  status(code: number): FastifyReplyLike;
  send(body: unknown): void;
}

/**
 * Global filter: GraphQL resolvers get a GraphQLError with our code (returning it keeps Nest
 * from logging expected errors as crashes); HTTP routes get a JSON body and a status.
 * Unexpected errors are logged once here and leave as INTERNAL without details.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (exception instanceof GraphQLError) return exception;
    const domainError = toDomainError(exception) ?? this.fromHttp(exception) ?? this.internal(exception);

    if (host.getType<string>() === 'graphql') return toGraphQLError(domainError);

    const reply = host.switchToHttp().getResponse<FastifyReplyLike>();
    const status = exception instanceof HttpException ? exception.getStatus() : (HTTP_STATUS[domainError.code] ?? 500);
    reply.status(status).send({ error: { code: domainError.code, message: domainError.message } });
    return undefined;
  }

  private fromHttp(exception: unknown): DomainError | undefined {
    if (!(exception instanceof HttpException)) return undefined;
    const status = exception.getStatus();
    const code =
      Object.entries(HTTP_STATUS).find(([, s]) => s === status)?.[0] ?? (status < 500 ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL);
    return new DomainError(code as ErrorCode, exception.message);
  }

  private internal(exception: unknown): DomainError {
    this.logger.error({ err: exception }, 'unexpected error');
    return new DomainError(ErrorCode.INTERNAL, 'Internal error');
  }
}
