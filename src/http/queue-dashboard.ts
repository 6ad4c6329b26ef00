import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { ThumbsmithError } from '../domain/errors.js';
import { sendProblem } from './problem.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

export interface QueueDashboardOptions {
  /** The secret: `Authorization: Bearer <token>`, or Basic with any user name and the token as password. */
  token: string;
  /** The dashboard itself (bull-board), served below `QUEUE_DASHBOARD_PATH`. */
  board: FastifyPluginCallback;
}

/** Same-length digests, so the comparison takes the same time whatever the guess. */
function sameSecret(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** True when the Authorization header carries the token (Bearer, or as the password of Basic auth). */
export function carriesToken(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return sameSecret(value, token);
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && sameSecret(decoded.slice(colon + 1), token);
  }
  return false;
}

/**
 * The queue dashboard behind a token, in an encapsulated plugin: the check runs before every dashboard route
 * (pages, assets and its API alike) and nowhere else. A browser gets a Basic challenge, so it can sign in.
 */
export async function queueDashboardRoutes(app: FastifyInstance, options: QueueDashboardOptions): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (carriesToken(request.headers.authorization, options.token)) return;
    reply.header('www-authenticate', 'Basic realm="thumbsmith queue dashboard", charset="UTF-8"');
    return sendProblem(
      request,
      reply,
      new ThumbsmithError('TS_UNAUTHORIZED', 'The queue dashboard needs the dashboard token.'),
    );
  });
  await app.register(options.board);
}
