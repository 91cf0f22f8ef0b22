// One log line per request, written when it is answered: what was asked (method, URL with its
// secrets censored, client), how it was answered (status) and how long it took. Fastify's default
// writes two, `incoming request` and `request completed`, and at the default level (info) they
// cost a cached answer 10-20 µs of its 60-70 here (decision 047). The first is kept at debug, for
// following a request that never finishes.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const responseTime = reply.elapsedTime;
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }
}
