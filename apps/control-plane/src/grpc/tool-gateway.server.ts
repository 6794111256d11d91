import { readFile } from 'node:fs/promises';
import { Server, ServerCredentials, status as Status, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { grpcFailureOf, type GrpcFailure } from './grpc-status.js';
import { loadToolGatewayService } from './tool-gateway-definition.js';
import { ToolGatewayService, type CallContext, type StopReason } from './tool-gateway.service.js';
import type { CallToolEvent, CallToolRequest, GrpcTool, ListToolsRequest } from './tool-messages.js';

/** How long stopping waits for calls to send their last status before connections are cut. */
const SHUTDOWN_GRACE_MS = 1_000;

const firstValue = (metadata: Metadata, key: string): string | undefined => {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
};

/** The caller's deadline, if it set one (grpc-js says Infinity when not). */
const deadlineOf = (call: { getDeadline(): Date | number }): Date | undefined => {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? new Date(at) : undefined;
};

/**
 * The gRPC transport of the ToolGateway: a grpc-js server on SWITCHYARD_GRPC_HOST:SWITCHYARD_GRPC_PORT
 * (started only when the port is set), TLS when a certificate and key are configured. Turns a
 * call into the service's CallContext — cancellation and deadline as one AbortSignal — and the
 * service's DomainErrors into statuses (grpc-status.ts).
 */
@Injectable()
export class ToolGatewayServer implements OnApplicationBootstrap, OnModuleDestroy {
  private server: Server | undefined;
  private boundPort: number | undefined;
  private readonly log: Logger;

  constructor(
    private readonly service: ToolGatewayService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'grpc-server' });
  }

  /** The port the server listens on (the one chosen when SWITCHYARD_GRPC_PORT is 0), or undefined when off. */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, tls } = this.config.grpc;
    if (port === null) return;
    const server = new Server();
    server.addService(loadToolGatewayService(), {
      ListTools: (call: ServerUnaryCall<ListToolsRequest, { tools: GrpcTool[] }>, callback: sendUnaryData<{ tools: GrpcTool[] }>) => void this.listTools(call, callback),
      CallTool: (call: ServerWritableStream<CallToolRequest, CallToolEvent>) => void this.callTool(call),
    });
    const credentials = tls === null ? ServerCredentials.createInsecure() : ServerCredentials.createSsl(null, [{ cert_chain: await readFile(tls.certFile), private_key: await readFile(tls.keyFile) }], false);
    // Hosts with a colon are IPv6 literals: gRPC wants them bracketed.
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
    this.server = server;
    this.log.info({ host, port: this.boundPort, tls: tls !== null }, 'gRPC ToolGateway listening');
  }

  /**
   * Calls in flight are interrupted (their audit rows completed) before the database goes; then the
   * server stops, after the interrupted calls have sent their status (a forced shutdown would
   * reset them, and their callers would see CANCELLED instead of UNAVAILABLE).
   */
  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await this.service.interruptAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    server.forceShutdown();
  }

  private async listTools(call: ServerUnaryCall<ListToolsRequest, { tools: GrpcTool[] }>, callback: sendUnaryData<{ tools: GrpcTool[] }>): Promise<void> {
    const { context, release } = this.contextOf(call);
    try {
      const principal = await this.service.admit(firstValue(call.metadata, 'authorization'));
      callback(null, { tools: await this.service.listTools(principal, call.request.server, context) });
    } catch (error) {
      this.logUnexpected(error, 'ListTools');
      callback(this.failureOf(error, context));
    } finally {
      release();
    }
  }

  private async callTool(call: ServerWritableStream<CallToolRequest, CallToolEvent>): Promise<void> {
    const { context, release } = this.contextOf(call);
    try {
      const principal = await this.service.admit(firstValue(call.metadata, 'authorization'));
      await this.service.callTool(principal, call.request, context, (event) => {
        if (!call.cancelled) call.write(event);
      });
      if (call.cancelled) return;
      // Stopped by the deadline before grpc-js said so itself: not an OK without a result.
      if (context.signal.reason === 'deadline') call.emit('error', this.failureOf(undefined, context));
      else call.end();
    } catch (error) {
      this.logUnexpected(error, 'CallTool');
      if (!call.cancelled) call.emit('error', this.failureOf(error, context));
    } finally {
      release();
    }
  }

  /** The call's cancellation and deadline as one signal, whose reason says which came first. */
  private contextOf(call: (ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>) & { on(event: 'cancelled', listener: () => void): unknown }): { context: CallContext; release: () => void } {
    const stop = new AbortController();
    const deadline = deadlineOf(call);
    const timer = deadline === undefined ? undefined : setTimeout(() => stop.abort('deadline' satisfies StopReason), Math.max(0, deadline.getTime() - Date.now()));
    // grpc-js ends a call whose deadline passed itself; its `cancelled` then is the deadline's doing.
    call.on('cancelled', () => stop.abort((deadline !== undefined && Date.now() >= deadline.getTime() ? 'deadline' : 'cancelled') satisfies StopReason));
    const traceparent = firstValue(call.metadata, 'traceparent');
    return {
      context: { signal: stop.signal, ...(deadline === undefined ? {} : { deadline }), ...(traceparent === undefined ? {} : { traceparent }) },
      release: () => clearTimeout(timer),
    };
  }

  /** A passed deadline is DEADLINE_EXCEEDED whatever the work in flight said when it stopped. */
  private failureOf(error: unknown, context: CallContext): Partial<GrpcFailure> {
    if (context.signal.aborted && context.signal.reason === 'deadline') return { code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' };
    return grpcFailureOf(error);
  }

  private logUnexpected(error: unknown, method: string): void {
    if (error instanceof Error && error.name === 'DomainError') return;
    this.log.error({ err: (error as Error).message, method }, 'gRPC call failed');
  }
}
