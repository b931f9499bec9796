/**
 * Random number generators: the backend object (after the chardev of an EGD backend), then the
 * virtio-rng device with its optional rate limit:
 *
 *   -object {"qom-type":"rng-random","id":"objrng0","filename":"/dev/urandom"}   (rng-egd, rng-builtin)
 *   -device {"driver":"virtio-rng-pci","rng":"objrng0","id":"rng0","max-bytes":1024,"period":1000,...}
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Rng } from '../../../../model/domain/devices/rng';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';

/** The host device a `random` backend reads when the domain names none. */
export const DEFAULT_RNG_DEVICE = '/dev/urandom';

function backendProps(rng: Rng, alias: string): Record<string, unknown> {
  const id = `obj${alias}`;
  switch (rng.backend.model) {
    case 'random':
      return { 'qom-type': 'rng-random', id, filename: rng.backend.path ?? DEFAULT_RNG_DEVICE };
    case 'egd':
      return { 'qom-type': 'rng-egd', id, chardev: `char${alias}` };
    case 'builtin':
      return { 'qom-type': 'rng-builtin', id };
  }
}

export function buildRngs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.rngs ?? []).forEach((rng, i) => {
    const alias = rng.alias?.name ?? `rng${i}`;
    if (rng.backend.model === 'egd') {
      addChardev(cmd, rng.backend, `char${alias}`, ctx, state, { deviceAlias: alias, passFds: true, tlsAllowed: true });
    }
    cmd.addJson('-object', backendProps(rng, alias));
    const props = virtioDeviceProps('virtio-rng', { address: rng.address, model: rng.model }, rng.driver, ctx.caps);
    props.rng = `obj${alias}`;
    props.id = alias;
    if (rng.rate) {
      props['max-bytes'] = rng.rate.bytes;
      props.period = rng.rate.period ?? 1000;
    }
    addDeviceJson(cmd, def, addAddressProps(props, def, rng));
  });
}
