import { type Address, type ConnectOptions, connect } from '../transport/index.js';
import { Client } from './client.js';

/** Connects to a Ward address (unix, vsock, hvsock, tcp) and returns a ttrpc client on it. */
export async function dial(address: string | Address, options: ConnectOptions = {}): Promise<Client> {
  return new Client(await connect(address, options));
}
