// A PostgreSQL server that only ever says no, for tests of what Conduit prints when it cannot use
// its database: it speaks just enough of the wire protocol to refuse the way PostgreSQL does.
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';

/**
 * - wrong-password: asks for a password, then fails the login (SQLSTATE 28P01);
 * - no-such-database: fails the start-up message (3D000);
 * - no-tls: answers a TLS request "not here" and hangs up on the handshake, as a server without
 *   ssl does when the client insists (sslmode=require);
 * - silent: accepts the connection and never answers.
 */
export type Refusal = 'wrong-password' | 'no-such-database' | 'no-tls' | 'silent';

/** The code a client sends instead of a protocol version to ask for TLS first. */
const SSL_REQUEST = 80_877_103;

export async function startRefusingPostgres(refusal: Refusal) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the client hanging up is no news
    if (refusal !== 'silent') converse(socket, refusal);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function converse(socket: Socket, refusal: Exclude<Refusal, 'silent'>): void {
  let pending = Buffer.alloc(0);
  let stage: 'startup' | 'handshake' | 'password' = 'startup';
  socket.on('data', (chunk: Buffer) => {
    if (stage === 'handshake') return void socket.destroy(); // a TLS ClientHello we cannot take
    if (stage === 'password')
      return void refuse(socket, '28P01', 'password authentication failed for user "conduit"');
    // Start-up messages carry no type byte: a length (itself included), then a code.
    pending = Buffer.concat([pending, chunk]);
    if (pending.length < 8 || pending.length < pending.readInt32BE(0)) return;
    const code = pending.readInt32BE(4);
    pending = Buffer.alloc(0);
    if (code === SSL_REQUEST) {
      socket.write('N');
      if (refusal === 'no-tls') stage = 'handshake';
      return;
    }
    if (refusal === 'no-such-database') {
      return refuse(socket, '3D000', 'database "conduit" does not exist');
    }
    // AuthenticationCleartextPassword: 'R', length 8, request 3.
    const askPassword = Buffer.alloc(9);
    askPassword.write('R');
    askPassword.writeInt32BE(8, 1);
    askPassword.writeInt32BE(3, 5);
    socket.write(askPassword);
    stage = 'password';
  });
}

/** An ErrorResponse (FATAL), then the end of the connection, as PostgreSQL refuses a login. */
function refuse(socket: Socket, sqlstate: string, message: string): void {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E');
  header.writeInt32BE(4 + fields.length, 1);
  socket.end(Buffer.concat([header, fields]));
}
