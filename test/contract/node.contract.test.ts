/** The HTTP contract against the Node server's app (the same suite runs against the Worker in workerd). */
import { runtime } from '../helpers';
import { httpContract } from './http-contract';

httpContract('Node (@hono/node-server app)', async () => {
  const rt = await runtime();
  return async (path, init) => rt.app.request(path, init);
});
