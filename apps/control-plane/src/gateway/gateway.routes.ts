import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { AggregateService } from './aggregate/aggregate.service.js';
import type { GatewayReply } from './gateway-reply.js';
import { GatewayService } from './gateway.service.js';
import { errorResponse, JsonRpcCode, serializeMessage } from './json-rpc-errors.js';
import { FIRST_WRITE_HOLD_MS, SseWriter } from './sse-writer.js';

export const MCP_SERVER_ROUTE = '/mcp/:server';
/** Every server the key may use, in one (aggregate/aggregate.service.ts). */
export const MCP_AGGREGATE_ROUTE = '/mcp';

type McpRequest = FastifyRequest<{ Params: { server: string } }>;

/**
 * The HTTP edge of the gateway: `/mcp/:server` registered on Fastify directly, in its own plugin
 * scope, because the transport needs what Nest's routing does not give: the raw body (bad JSON must
 * become a JSON-RPC parse error, not Fastify's 400), JSON-RPC bodies on 413, and the raw response
 * for SSE (reply.hijack). Auth is the same key verification as the admin API (ApiKeysService),
 * done by GatewayService: MCP access is a scope (`mcp:call`), not a role, so the role guard does not
 * apply here.
 */
@Injectable()
export class GatewayRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly gateway: GatewayService,
    private readonly aggregate: AggregateService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null) return; // no HTTP server (a CLI context)
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register(async (scope) => this.routes(scope));
  }

  private routes(scope: FastifyInstance): void {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: this.config.bodyLimitBytes }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: FastifyError, _request, reply) => {
      const status = error.statusCode ?? 500;
      const tooLarge = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
      const message = tooLarge ? `Payload Too Large: the body exceeds ${this.config.bodyLimitBytes} bytes` : status < 500 ? `Bad Request: ${error.message}` : 'Internal error';
      void reply.code(status).header('content-type', 'application/json').send(serializeMessage(errorResponse(undefined, status < 500 ? JsonRpcCode.INVALID_REQUEST : JsonRpcCode.INTERNAL_ERROR, message)));
    });
    scope.post(MCP_SERVER_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.gateway.post(request.params.server, request.headers, request.body as Buffer | undefined)));
    scope.get(MCP_SERVER_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.gateway.get(request.params.server, request.headers)));
    scope.delete(MCP_SERVER_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.gateway.delete(request.params.server, request.headers)));
    scope.post(MCP_AGGREGATE_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.aggregate.post(request.headers, request.body as Buffer | undefined)));
    scope.get(MCP_AGGREGATE_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.aggregate.get(request.headers)));
    scope.delete(MCP_AGGREGATE_ROUTE, (request: McpRequest, reply) => this.handle(request, reply, () => this.aggregate.delete(request.headers)));
  }

  private async handle(request: McpRequest, reply: FastifyReply, work: () => Promise<GatewayReply>): Promise<void> {
    const refused = this.gateway.originRefusal(request.headers);
    if (refused !== undefined) return this.send(reply, refused);
    if (request.method === 'POST' && request.body !== undefined && !isJson(request.headers['content-type'])) {
      return this.send(reply, { kind: 'json', status: 415, body: errorResponse(undefined, JsonRpcCode.SERVER_ERROR, 'Unsupported Media Type: Content-Type must be application/json') });
    }
    return this.send(reply, await work());
  }

  private async send(reply: FastifyReply, answer: GatewayReply): Promise<void> {
    switch (answer.kind) {
      case 'json':
        await reply
          .code(answer.status)
          .headers({ ...answer.headers, 'content-type': 'application/json' })
          .send(serializeMessage(answer.body));
        return;
      case 'empty':
        await reply
          .code(answer.status)
          .headers(answer.headers ?? {})
          .send();
        return;
      case 'sse': {
        if (answer.stream.adaptive) {
          // The client takes either: its answer alone within the hold is one JSON body (cheaper for
          // both sides); otherwise the stream goes on as SSE, its priming event at once.
          const alone = await answer.stream.decide(FIRST_WRITE_HOLD_MS);
          if (alone !== undefined) return this.send(reply, { kind: 'json', status: 200, body: alone, headers: answer.headers });
        }
        reply.hijack();
        const writer = new SseWriter(reply.raw, answer.stream.streamId, answer.headers, answer.stream.adaptive ? 0 : FIRST_WRITE_HOLD_MS);
        if (answer.resumeAfter === undefined) {
          answer.stream.attach(writer, answer.prime);
          return;
        }
        const { sessionId, stream, resumeAfter } = answer;
        await stream.attachResumed(writer, resumeAfter, async () => (await this.gateway.eventLog.readAfter(sessionId, stream.streamId, resumeAfter)).events);
        return;
      }
      case 'sse-follow': {
        // A session another replica holds: its stream is read from the Redis log until its end marker.
        reply.hijack();
        const writer = new SseWriter(reply.raw, answer.streamId, answer.headers);
        const gone = new AbortController();
        writer.onClose(() => gone.abort());
        if (answer.prime) writer.prime(answer.afterSeq);
        try {
          for await (const event of this.gateway.eventLog.follow(answer.sessionId, answer.streamId, answer.afterSeq, gone.signal)) writer.send(event.seq, event.message);
        } finally {
          writer.end();
        }
      }
    }
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}
