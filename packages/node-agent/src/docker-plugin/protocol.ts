/**
 * Docker's legacy plugin protocol for a remote network driver and a remote IPAM driver, as
 * libnetwork speaks it (drivers/remote/api, ipams/remote/api): JSON over HTTP POST on a
 * unix socket, one path per call. Each request body is validated here before anything
 * acts on it; fields ovl does not use are allowed and ignored (Docker adds fields across
 * versions), the ones it uses must have their type.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { lazyCheck, lazyChecks } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "../errors.js";

/** The media type of every answer. */
export const PLUGIN_MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";

const open = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: true });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.-]+$" });
const Options = Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]));

/** One entry of Docker's "com.docker.network.portmap" option (types.PortBinding). */
export const PortBindingSchema = open({
  Proto: Type.Integer({ minimum: 0, maximum: 255 }),
  IP: Type.Optional(Type.String({ maxLength: 64 })),
  Port: Type.Integer({ minimum: 0, maximum: 65535 }),
  HostIP: Type.Optional(Type.String({ maxLength: 64 })),
  HostPort: Type.Integer({ minimum: 0, maximum: 65535 }),
  HostPortEnd: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
});
export type PortBinding = Static<typeof PortBindingSchema>;

const Endpoint = { NetworkID: Id, EndpointID: Id };

export const RequestSchemas = {
  "Plugin.Activate": open({}),
  "NetworkDriver.GetCapabilities": open({}),
  "NetworkDriver.CreateNetwork": open({ NetworkID: Id, Options, IPv4Data: Type.Optional(Type.Union([Type.Null(), Type.Array(open({ Pool: Type.Optional(Type.String({ maxLength: 64 })) }), { maxItems: 16 })])) }),
  "NetworkDriver.DeleteNetwork": open({ NetworkID: Id }),
  "NetworkDriver.CreateEndpoint": open({
    ...Endpoint,
    Interface: Type.Optional(Type.Union([Type.Null(), open({ Address: Type.Optional(Type.String({ maxLength: 64 })), MacAddress: Type.Optional(Type.String({ maxLength: 32 })) })])),
    Options,
  }),
  "NetworkDriver.DeleteEndpoint": open(Endpoint),
  "NetworkDriver.EndpointOperInfo": open(Endpoint),
  "NetworkDriver.Join": open({ ...Endpoint, SandboxKey: Type.String({ maxLength: 4096 }), Options }),
  "NetworkDriver.Leave": open(Endpoint),
  "NetworkDriver.ProgramExternalConnectivity": open({ ...Endpoint, Options }),
  "NetworkDriver.RevokeExternalConnectivity": open(Endpoint),
  "NetworkDriver.DiscoverNew": open({}),
  "NetworkDriver.DiscoverDelete": open({}),
  "IpamDriver.GetCapabilities": open({}),
  "IpamDriver.GetDefaultAddressSpaces": open({}),
  "IpamDriver.RequestPool": open({
    AddressSpace: Type.Optional(Type.String({ maxLength: 128 })),
    Pool: Type.Optional(Type.String({ maxLength: 64 })),
    SubPool: Type.Optional(Type.String({ maxLength: 64 })),
    Options,
    V6: Type.Optional(Type.Boolean()),
  }),
  "IpamDriver.ReleasePool": open({ PoolID: Type.String({ maxLength: 128 }) }),
  "IpamDriver.RequestAddress": open({ PoolID: Type.String({ maxLength: 128 }), Address: Type.Optional(Type.String({ maxLength: 64 })), Options }),
  "IpamDriver.ReleaseAddress": open({ PoolID: Type.String({ maxLength: 128 }), Address: Type.String({ maxLength: 64 }) }),
} as const;

export type PluginCall = keyof typeof RequestSchemas;
export type PluginRequest<C extends PluginCall> = Static<(typeof RequestSchemas)[C]>;
export const PLUGIN_CALLS = Object.keys(RequestSchemas) as PluginCall[];

const bindingCheck = lazyCheck(PortBindingSchema);
const checkOf = lazyChecks(RequestSchemas as Readonly<Record<PluginCall, TSchema>>);

export const isPluginCall = (raw: string): raw is PluginCall => Object.hasOwn(RequestSchemas, raw);

/** The call's body, typed; INVALID_INPUT naming the first bad field. An empty body is `{}` (Docker sends none for some calls). */
export function parsePluginRequest<C extends PluginCall>(call: C, text: string): PluginRequest<C> {
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AgentError(AgentErrorCodes.InvalidInput, `${call}: the body is not JSON`);
    }
  }
  const check = checkOf(call);
  if (!check.Check(raw)) {
    const first = check.Errors(raw).First();
    throw new AgentError(AgentErrorCodes.InvalidInput, `${call}: ${first?.path || "body"}: ${first?.message ?? "wrong shape"}`);
  }
  return raw as PluginRequest<C>;
}

/** Docker's "com.docker.network.portmap" option: an array of bindings, or absent. */
export function portBindingsOf(options: Record<string, unknown> | null | undefined): PortBinding[] {
  const raw = options?.["com.docker.network.portmap"];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((b) => bindingCheck().Check(b))) {
    throw new AgentError(AgentErrorCodes.InvalidInput, "ProgramExternalConnectivity: com.docker.network.portmap is not a list of port bindings");
  }
  return raw as PortBinding[];
}
