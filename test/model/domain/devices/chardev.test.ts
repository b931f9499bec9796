import { Serial, validateSerial } from '../../../../model/domain/devices/serial';
import { Parallel } from '../../../../model/domain/devices/parallel';
import { Console, applyConsoleCompat, consoleAsFormatted, validateConsoles } from '../../../../model/domain/devices/console';
import { Channel, validateChannel } from '../../../../model/domain/devices/channel';
import { chrSourceFor } from '../../../../model/domain/devices/chardev';
import { applyChrDefaults, type ChrDeviceLists } from '../../../../model/domain/devices/chardev-defaults';
import { parseDevice, roundTrip, brief, formatDevice } from './device-xml';

describe('character devices', () => {
  it('keeps a tcp serial with tls, reconnect, telnet protocol and log in libvirt order', () => {
    const xml = `<serial type='tcp'>
  <log append='on' file='/var/log/s.log'/>
  <protocol type='telnet'/>
  <source service='5555' host='127.0.0.1' mode='connect' tls='yes'>
    <reconnect timeout='10' enabled='yes'/>
  </source>
  <target port='1' type='isa-serial'><model name='isa-serial'/></target>
  <alias name='ua-serial1'/>
</serial>`;
    expect(roundTrip(Serial, 'serial', xml)).toBe(`<serial type='tcp'>
  <source mode='connect' host='127.0.0.1' service='5555' tls='yes'>
    <reconnect enabled='yes' timeout='10'/>
  </source>
  <protocol type='telnet'/>
  <log file='/var/log/s.log' append='on'/>
  <target type='isa-serial' port='1'>
    <model name='isa-serial'/>
  </target>
  <alias name='ua-serial1'/>
</serial>
`);
  });

  it('keeps both udp sources and finds each by mode', () => {
    const xml = `<serial type='udp'>
  <source mode='bind' host='127.0.0.1' service='1111'/>
  <source mode='connect' host='127.0.0.1' service='2222'/>
  <target type='isa-serial' port='0'>
    <model name='isa-serial'/>
  </target>
</serial>
`;
    const s = parseDevice(Serial, xml);
    expect(chrSourceFor(s, 'bind')).toEqual({ mode: 'bind', host: '127.0.0.1', service: '1111' });
    expect(chrSourceFor(s)).toEqual({ mode: 'connect', host: '127.0.0.1', service: '2222' });
    expect(formatDevice(Serial, 'serial', s)).toBe(xml);
    expect(validateSerial(s)).toEqual([]);
  });

  it('prints a file source with its seclabel child and an unlabelled pty without a source', () => {
    const file = `<serial type='file'>
  <source path='/tmp/serial.file' append='off'>
    <seclabel model='dac' relabel='no'/>
  </source>
  <target port='0'/>
</serial>
`;
    expect(roundTrip(Serial, 'serial', file)).toBe(file);
    expect(roundTrip(Parallel, 'parallel', `<parallel type='pty'><target port='0'/></parallel>`)).toBe(
      `<parallel type='pty'>\n  <target port='0'/>\n</parallel>\n`,
    );
  });

  it('keeps qemu-vdagent clipboard before mouse and a virtio channel state', () => {
    const xml = `<channel type='qemu-vdagent'>
  <source>
    <mouse mode='client'/>
    <clipboard copypaste='yes'/>
  </source>
  <target type='virtio' name='com.redhat.spice.0' state='connected'/>
  <address type='virtio-serial' controller='1' bus='0' port='3'/>
</channel>`;
    expect(roundTrip(Channel, 'channel', xml)).toBe(`<channel type='qemu-vdagent'>
  <source>
    <clipboard copypaste='yes'/>
    <mouse mode='client'/>
  </source>
  <target type='virtio' name='com.redhat.spice.0' state='connected'/>
  <address type='virtio-serial' controller='1' bus='0' port='3'/>
</channel>
`);
  });

  it('formats a guestfwd channel target as address then port', () => {
    expect(roundTrip(Channel, 'channel', `<channel type='pipe'><source path='/tmp/guestfwd'/><target port='4600' address='10.0.2.1' type='guestfwd'/></channel>`)).toBe(
      `<channel type='pipe'>\n  <source path='/tmp/guestfwd'/>\n  <target type='guestfwd' address='10.0.2.1' port='4600'/>\n</channel>\n`,
    );
  });

  it('rejects an unknown source mode and a reconnect without timeout at parse time', () => {
    expect(() => parseDevice(Serial, `<serial type='tcp'>\n<source mode='listen' host='a' service='1'/></serial>`)).toThrow(
      "dev.xml:2: /serial/source[1]/@mode: attribute 'mode' has value 'listen', which must be one of 'bind', 'connect' (fix: use one of bind, connect)",
    );
    expect(() => parseDevice(Serial, `<serial type='tcp'><source mode='connect' host='a' service='1'>\n<reconnect enabled='yes'/></source></serial>`)).toThrow(
      "dev.xml:2: /serial/source[1]/reconnect: missing timeout for chardev with reconnect enabled",
    );
    expect(() => parseDevice(Serial, `<serial type='tcp'><source mode='connect' host='a' service='1'><reconnect enabled='yes' timeout='0'/></source></serial>`)).toThrow(
      "chardev reconnect source timeout cannot be '0'",
    );
  });

  it("reports libvirt's source rules", () => {
    const cases: [string, string][] = [
      [`<serial type='file'><target port='0'/></serial>`, 'Missing source path attribute for char device'],
      [`<serial type='tcp'><source mode='connect' service='1'/></serial>`, 'Missing source host attribute for char device'],
      [`<serial type='tcp'><source mode='connect' host='h'/></serial>`, 'Missing source service attribute for char device'],
      [`<serial type='udp'><source mode='bind' host='h' service='1'/></serial>`, 'Missing source service attribute for char device'],
      [`<serial type='unix'><source mode='bind'/></serial>`, 'Missing source path attribute for char device'],
      [`<serial type='nmdm'><source master='/dev/nmdm0A'/></serial>`, 'Missing slave path attribute for nmdm device'],
      [`<serial type='spiceport'><source channel='bad name'/></serial>`, 'Invalid character in source channel for char device'],
      [
        `<serial type='unix'><source mode='bind' path='/s'><reconnect enabled='yes' timeout='1'/></source></serial>`,
        'chardev reconnect is possible only for connect mode',
      ],
    ];
    for (const [xml, problem] of cases) {
      expect(validateSerial(parseDevice(Serial, xml)).map((i) => i.problem)).toEqual([problem]);
    }
    expect(brief(validateSerial(parseDevice(Serial, `<serial type='pipe'>\n<source/></serial>`)))).toEqual([
      '2: /serial/source: Missing source path attribute for char device',
    ]);
  });

  it('lets a virtio channel omit its unix socket path (libvirt generates it)', () => {
    const ch = parseDevice(Channel, `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`);
    expect(validateChannel(ch)).toEqual([]);
    const fwd = parseDevice(Channel, `<channel type='unix'><source mode='bind' path='/s'/><target type='guestfwd' address='10.0.2.1'/></channel>`);
    expect(validateChannel(fwd).map((i) => i.problem)).toEqual(['guestfwd channel does not define a target port']);
  });

  describe('console and serial alias', () => {
    const serial = parseDevice(Serial, `<serial type='dev'>
  <source path='/dev/ttyS2'/>
  <target type='pci-serial' port='0'><model name='pci-serial'/></target>
  <alias name='serial0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
</serial>`);

    it("prints a serial-target console with serial[0]'s source, alias and address", () => {
      const cons = parseDevice(Console, `<console type='pty'><target type='serial' port='0'/></console>`);
      expect(formatDevice(Console, 'console', consoleAsFormatted(cons, 0, [serial], true))).toBe(`<console type='dev'>
  <source path='/dev/ttyS2'/>
  <target type='serial' port='0'/>
  <alias name='serial0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
</console>
`);
      const virtio = parseDevice(Console, `<console type='pty'><target type='virtio' port='1'/></console>`);
      expect(consoleAsFormatted(virtio, 0, [serial], true)).toBe(virtio);
    });

    it('turns a lone serial console into serial[0] plus an aliasing console (HVM only)', () => {
      const cons = parseDevice(Console, `<console type='pty'><target port='0'/></console>`);
      const r = applyConsoleCompat([cons], [], true);
      expect(r.serials).toEqual([{ type: 'pty', target: { port: 0 } }]);
      expect(r.consoles).toEqual([{ type: 'pty', target: { type: 'serial', port: 0 } }]);
      expect(applyConsoleCompat([cons], [], false)).toEqual({ consoles: [cons], serials: [] });
    });

    it('adds a console stub for an isa serial port', () => {
      const s = parseDevice(Serial, `<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>`);
      expect(applyConsoleCompat([], [s], true).consoles).toEqual([{ type: 'pty', target: { type: 'serial', port: 0 } }]);
    });

    it('allows only the first console to be a serial port', () => {
      const a = parseDevice(Console, `<console type='pty'><target type='virtio' port='0'/></console>`);
      const b = parseDevice(Console, `<console type='pty'>\n<target type='serial' port='1'/></console>`);
      expect(brief(validateConsoles([a, b]))).toEqual(['1: /console: Only the first console can be a serial port']);
    });
  });
});

describe('character device defaults', () => {
  it("gives libvirt's generic defaults: pty, raw tcp protocol, port numbers, serial console tie", () => {
    const devices = {
      serials: [
        parseDevice(Serial, `<serial type='tcp'><source mode='bind' host='0.0.0.0' service='2445'/><target port='1'/></serial>`),
        parseDevice(Serial, `<serial><target/></serial>`),
      ],
      parallels: [parseDevice(Parallel, `<parallel type='null'/>`)],
      consoles: [parseDevice(Console, `<console type='pty'><target type='virtio'/></console>`)],
      channels: [parseDevice(Channel, `<channel><target type='virtio' name='x'/></channel>`)],
    };
    applyChrDefaults(devices, 'hvm');
    const fmt = (shape: Parameters<typeof formatDevice>[0], name: string, list: unknown[] | undefined) =>
      (list ?? []).map((d) => formatDevice(shape, name, d as never)).join('');
    expect(fmt(Serial, 'serial', devices.serials)).toBe(`<serial type='tcp'>
  <source mode='bind' host='0.0.0.0' service='2445'/>
  <protocol type='raw'/>
  <target port='1'/>
</serial>
<serial type='pty'>
  <target port='2'/>
</serial>
`);
    expect(fmt(Parallel, 'parallel', devices.parallels)).toBe(`<parallel type='null'>\n  <target port='0'/>\n</parallel>\n`);
    expect(fmt(Console, 'console', devices.consoles)).toBe(`<console type='tcp'>
  <source mode='bind' host='0.0.0.0' service='2445'/>
  <protocol type='raw'/>
  <target type='serial' port='1'/>
</console>
<console type='pty'>
  <target type='virtio' port='0'/>
</console>
`);
    expect(fmt(Channel, 'channel', devices.channels)).toBe(`<channel type='pty'>\n  <target type='virtio' name='x'/>\n</channel>\n`);
    const again = JSON.stringify(devices);
    applyChrDefaults(devices, 'hvm');
    expect(JSON.stringify(devices)).toBe(again);
  });

  it('moves a lone serial console to serial[0] of an HVM guest and leaves other guests alone', () => {
    const hvm = { consoles: [parseDevice(Console, `<console type='pty'/>`)] } as ChrDeviceLists;
    applyChrDefaults(hvm, 'hvm');
    expect(hvm.serials).toEqual([{ type: 'pty', target: { port: 0 } }]);
    expect(hvm.consoles).toEqual([{ type: 'pty', target: { type: 'serial', port: 0 } }]);
    const xen = { consoles: [parseDevice(Console, `<console type='pty'><target type='xen'/></console>`)] } as ChrDeviceLists;
    applyChrDefaults(xen, 'xen');
    expect(xen.serials).toBeUndefined();
    expect(xen.consoles).toEqual([{ type: 'pty', target: { type: 'xen', port: 0 } }]);
  });
});
