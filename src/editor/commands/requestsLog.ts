// The Requests view's commands: follow the gateway's access log, stop following it.
import type { CommandFactory } from './index';

export const followGatewayLog: CommandFactory = (ctx) => () => {
  ctx.getCluster(); // through the door: an untrusted workspace gets the one message
  ctx.requests.start();
};

export const stopGatewayLog: CommandFactory = (ctx) => () => {
  ctx.requests.stop();
};
