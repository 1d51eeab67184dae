import type { Msg } from '../runtime/index.js';

/**
 * Agent methods that act on the guest VM itself (CPU/memory hotplug, entropy, clock, swap,
 * networking, iptables, volumes, memory agent). On a host they have no meaning: each is
 * accepted and answered with the response a guest would give for no change, and logged.
 */
export const GUEST_ONLY: Readonly<Record<string, (req: Msg) => Record<string, unknown>>> = {
  OnlineCPUMem: () => ({}),
  MemHotplugByProbe: () => ({}),
  ReseedRandomDev: () => ({}),
  SetGuestDateTime: () => ({}),
  AddSwap: () => ({}),
  UpdateInterface: (req) => (req['interface'] as Record<string, unknown> | null) ?? {},
  UpdateRoutes: (req) => (req['routes'] as Record<string, unknown> | null) ?? { Routes: [] },
  ListInterfaces: () => ({ Interfaces: [] }),
  ListRoutes: () => ({ Routes: [] }),
  AddARPNeighbors: () => ({}),
  GetIPTables: () => ({ data: new Uint8Array(0) }),
  SetIPTables: () => ({ data: new Uint8Array(0) }),
  UpdateEphemeralMounts: () => ({}),
  RemoveStaleVirtiofsShareMounts: () => ({}),
  GetVolumeStats: () => ({ usage: [] }),
  ResizeVolume: () => ({}),
  MemAgentMemcgSet: () => ({}),
  MemAgentCompactSet: () => ({}),
};
