/**
 * Where the node's LAN address comes from when neither --ip nor --iface is given, decided
 * from the kernel's route toward the NATS server (pure):
 * - a route through an interface: that interface, with the source address the kernel picks;
 * - through the loopback to one of this machine's own addresses (the broker on this
 *   machine, reached by its LAN address): that address;
 * - through the loopback to 127.0.0.0/8 (the broker on this machine, reached as localhost):
 *   the interface of the default route, the one that leads to the rest of the LAN.
 */
import { isLoopback } from "@ovl/domain";

export interface RouteGet {
  readonly dev?: string;
  readonly prefsrc?: string;
}

export interface DefaultRoute {
  readonly dev?: string;
  readonly prefsrc?: string;
  readonly metric?: number;
}

export type UnderlaySource =
  | { readonly kind: "iface"; readonly iface: string; readonly ip?: string }
  | { readonly kind: "ip"; readonly ip: string }
  | { readonly kind: "default" }
  | { readonly kind: "none" };

export function underlaySource(serverAddr: string, route: RouteGet | undefined): UnderlaySource {
  if (!route?.dev) return { kind: "none" };
  if (route.dev !== "lo") return { kind: "iface", iface: route.dev, ...(route.prefsrc ? { ip: route.prefsrc } : {}) };
  return isLoopback(serverAddr) ? { kind: "default" } : { kind: "ip", ip: serverAddr };
}

/** The default route the kernel prefers (lowest metric; the first listed on a tie), or null. */
export function preferredDefault(routes: readonly DefaultRoute[]): { iface: string; ip?: string } | null {
  const usable = routes.filter((r) => r.dev && r.dev !== "lo");
  const best = usable.reduce<DefaultRoute | null>((b, r) => (b === null || (r.metric ?? 0) < (b.metric ?? 0) ? r : b), null);
  return best ? { iface: best.dev!, ...(best.prefsrc ? { ip: best.prefsrc } : {}) } : null;
}
