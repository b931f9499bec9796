import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalTransport, discoverHost } from '../../provider/host';
import { planPins } from '../../planner/pin-plan';
import { launchDomain, reconnectDomain, destroyDomain, domainStatuses } from '../../provider/executor/domain';
import { buildTestGuest } from '../support/guest';
import { makeTestDomain, procThreads } from '../provider/executor/domain/test-domain';

it('smoke', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-x-'));
  const t = new LocalTransport('qemu:///embed?root=' + root);
  const h = { transport: t, runDir: path.join(root, 'run') };
  const guest = await buildTestGuest();
  const d = makeTestDomain(h.runDir, root, guest, { name: 'smoke', cputune: "<vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/><emulatorpin cpuset='1'/><iothreadpin iothread='1' cpuset='0'/>" });
  const facts = await discoverHost(t);
  const pins = planPins(d.domain, facts, t.hostLabel);
  const t0 = Date.now();
  const r = await launchDomain(h, { name: d.name, uuid: d.uuid, argv: d.argv, pins, consoleSocket: d.paths.consoleSocket, paused: true });
  console.log(Date.now() - t0, JSON.stringify(r, null, 1));
  console.log([...procThreads(r.record.pid!).entries()]);
  console.log(JSON.stringify(await domainStatuses(h), null, 1));
  console.log(await destroyDomain(h, d.name));
  console.log(fs.readdirSync(h.runDir));
}, 60000);
