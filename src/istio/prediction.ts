// What the offline prediction says Istio puts on the gateway, and why some VirtualServices put nothing there.
import type { Route, RouteConfiguration } from '../envoy/types';
import type { Gateway, Range } from './model';
import type { GatewayApiCondition } from './gatewayApi';
import type { TransportSocket } from './serverTls';

export interface ObjectRef {
  name: string;
  namespace: string;
}

/** Where in the YAML a generated route comes from. */
export interface RouteOrigin {
  /** The VirtualService, or for the Gateway API the HTTPRoute/GRPCRoute (then `http` is the rule index). */
  virtualService: ObjectRef;
  /** Set for routes of the Gateway API: `HTTPRoute` or `GRPCRoute`. */
  kind?: string;
  file: string;
  /** Range of the match entry, or of the http entry when it has no match. */
  range: Range;
  /** 1-based line of that range's start, as the CLI prints it. */
  line: number;
  http: number;
  match: number | null;
}

/** One Envoy route the gateway gets for one (match, gateway virtual host). */
export interface PredictedRoute extends RouteOrigin {
  /** `<namespace>/<name>` of the Gateway whose server produced the virtual host. */
  gateway: string;
  listener: string;
  routeConfig: string;
  virtualHost: string;
  domains: string[];
  route: Route;
}

/** A VirtualService (or one of its http entries) that yields no route on any gateway, and why. */
export interface NotOnGateway {
  virtualService: ObjectRef;
  file: string;
  range: Range;
  http?: number;
  match?: number | null;
  reason: string;
}

export interface Prediction {
  routes: PredictedRoute[];
  /** The route configurations as Envoy would hold them (virtual hosts sorted, routes in evaluation order). */
  routeConfigs: RouteConfiguration[];
  /** The HTTP connection manager filter chains: which listener serves which route configuration, for which SNI. */
  httpChains: {
    listener: string;
    routeConfig: string;
    serverNames?: string[];
    /** A TLS-terminating chain's DownstreamTlsContext (serverTls.ts): certificates, client validation, TLS versions. */
    transportSocket?: TransportSocket;
  }[];
  notOnGateway: NotOnGateway[];
  /** The Accepted/ResolvedRefs conditions Istio would write on Gateway API objects, computed offline. */
  gatewayApiConditions?: GatewayApiCondition[];
  /** The internal Gateways Istio generates for Gateway API listeners (their selector finds the deployed gateway). */
  generatedGateways?: Gateway[];
}
