import { buildSerials } from '../../../../provider/qemu/argv/sections/serials';
import { buildParallels } from '../../../../provider/qemu/argv/sections/parallels';
import { buildChannels } from '../../../../provider/qemu/argv/sections/channels';
import { buildConsoles } from '../../../../provider/qemu/argv/sections/consoles';
import { ArgvState } from '../../../../provider/qemu/argv/build';
import { domainWith, runSection } from './storage-fixture';
import { harnessCtx, virtformCtx } from './device-fixture';

const ROOT = `<controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`;
const VSERIAL = `<controller type='virtio-serial' index='0'><alias name='virtio-serial0'/></controller>`;
const isa = (port: number) => `<target type='isa-serial' port='${port}'><model name='isa-serial'/></target>`;

describe('serial section', () => {
  it('writes every host backend the way libvirt does', () => {
    const def = domainWith(`
      <serial type='pty'>${isa(0)}<alias name='serial0'/></serial>
      <serial type='vc'>${isa(1)}<alias name='serial1'/></serial>
      <serial type='dev'><source path='/dev/ttyS2,foo'/>${isa(2)}<alias name='serial2'/></serial>
      <serial type='pipe'><source path='/tmp/serial.pipe'/>${isa(3)}<alias name='serial3'/></serial>
      <serial type='udp'><source mode='bind' host='127.0.0.1' service='1111'/><source mode='connect' host='127.0.0.1' service='2222'/>${isa(4)}<alias name='serial4'/></serial>
      <serial type='tcp'><source mode='bind' host='127.0.0.1' service='9999'/><protocol type='telnet'/>${isa(5)}<alias name='serial5'/></serial>
      <serial type='tcp'><source mode='connect' host='127.0.0.1' service='9998'><reconnect enabled='yes' timeout='10'/></source><protocol type='raw'/>${isa(6)}<alias name='serial6'/></serial>
      <serial type='unix'><source mode='connect' path='/tmp/serial.sock'><reconnect enabled='no'/></source>${isa(7)}<alias name='serial7'/></serial>
      <serial type='null'>${isa(8)}<alias name='serial8'/></serial>
      <serial type='stdio'>${isa(9)}<alias name='serial9'/></serial>`);
    expect(runSection(buildSerials, def, harnessCtx()).filter((a) => a.startsWith('-chardev'))).toEqual([
      '-chardev pty,id=charserial0',
      '-chardev vc,id=charserial1',
      '-chardev serial,id=charserial2,path=/dev/ttyS2,,foo',
      '-chardev pipe,id=charserial3,path=/tmp/serial.pipe',
      '-chardev udp,id=charserial4,host=127.0.0.1,port=2222,localaddr=127.0.0.1,localport=1111',
      '-chardev socket,id=charserial5,host=127.0.0.1,port=9999,telnet=on,server=on,wait=off',
      '-chardev socket,id=charserial6,host=127.0.0.1,port=9998,reconnect=10',
      '-chardev socket,id=charserial7,path=/tmp/serial.sock,reconnect=0',
      '-chardev null,id=charserial8',
      '-chardev stdio,id=charserial9',
    ]);
  });

  it('puts the device after its chardev: isa-serial with index and ISA address, pci-serial, usb-serial, isa-debugcon', () => {
    const def = domainWith(`${ROOT}<controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>
      <serial type='pty'>${isa(0)}<alias name='serial0'/><address type='isa' iobase='0x3f8' irq='0x4'/></serial>
      <serial type='pty'><target type='pci-serial' port='1'><model name='pci-serial'/></target><alias name='serial1'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></serial>
      <serial type='pty'><target type='usb-serial' port='2'><model name='usb-serial'/></target><alias name='serial2'/><address type='usb' bus='0' port='1'/></serial>
      <serial type='pty'><target type='isa-debug' port='3'><model name='isa-debugcon'/></target><alias name='serial3'/><address type='isa' iobase='0x402'/></serial>`);
    expect(runSection(buildSerials, def, harnessCtx()).filter((a) => a.startsWith('-device'))).toEqual([
      `-device {"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0,"iobase":1016,"irq":4}`,
      `-device {"driver":"pci-serial","chardev":"charserial1","id":"serial1","bus":"pci.0","addr":"0x3"}`,
      `-device {"driver":"usb-serial","chardev":"charserial2","id":"serial2","bus":"usb.0","port":"1"}`,
      `-device {"driver":"isa-debugcon","chardev":"charserial3","id":"serial3","iobase":1026}`,
    ]);
  });

  it('passes output and log files as fd sets (libvirt) or opens them by path (virtform)', () => {
    const xml = `<serial type='file'><source path='/tmp/serial.log' append='on'/><log file='/var/log/serial-copy.log' append='off'/>${isa(0)}<alias name='serial0'/></serial>
      <serial type='unix'><source mode='bind' path='/tmp/serial.sock'/>${isa(1)}<alias name='serial1'/></serial>`;
    expect(runSection(buildSerials, domainWith(xml), harnessCtx())).toEqual([
      '-add-fd set=0,fd=1750,opaque=serial0-source',
      '-add-fd set=1,fd=1751,opaque=serial0-log',
      '-chardev file,id=charserial0,path=/dev/fdset/0,append=on,logfile=/dev/fdset/1,logappend=on',
      `-device {"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}`,
      '-chardev socket,id=charserial1,fd=1729,server=on,wait=off',
      `-device {"driver":"isa-serial","chardev":"charserial1","id":"serial1","index":1}`,
    ]);
    expect(runSection(buildSerials, domainWith(xml), virtformCtx()).filter((a) => a.startsWith('-chardev'))).toEqual([
      '-chardev file,id=charserial0,path=/tmp/serial.log,append=on,logfile=/var/log/serial-copy.log,logappend=off',
      '-chardev socket,id=charserial1,path=/tmp/serial.sock,server=on,wait=off',
    ]);
  });

  it('adds the TLS credentials (and their password secret) of a TLS socket', () => {
    const xml = `<serial type='tcp'><source mode='connect' host='127.0.0.1' service='5555'/><protocol type='raw'/>${isa(1)}<alias name='serial1'/></serial>
      <serial type='tcp'><source mode='connect' host='127.0.0.1' service='5556' tls='no'/><protocol type='raw'/>${isa(2)}<alias name='serial2'/></serial>`;
    const ctx = harnessCtx({ config: { chardevTLS: true, chardevTLSx509certdir: '/etc/pki/libvirt-chardev', chardevTLSx509secretUUID: '6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea' } });
    expect(runSection(buildSerials, domainWith(xml), ctx).filter((a) => !a.startsWith('-device'))).toEqual([
      `-object {"qom-type":"secret","id":"charserial1-secret0","data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
      `-object {"qom-type":"tls-creds-x509","id":"objcharserial1_tls0","dir":"/etc/pki/libvirt-chardev","endpoint":"client","verify-peer":true,"passwordid":"charserial1-secret0"}`,
      '-chardev socket,id=charserial1,host=127.0.0.1,port=5555,tls-creds=objcharserial1_tls0',
      '-chardev socket,id=charserial2,host=127.0.0.1,port=5556',
    ]);
  });

  it('skips a spiceport serial without SPICE graphics', () => {
    const def = domainWith(`<serial type='spiceport'><source channel='org.qemu.console.serial.0'/>${isa(0)}<alias name='serial0'/></serial>`);
    expect(runSection(buildSerials, def, harnessCtx())).toEqual([]);
    const withSpice = domainWith(`<serial type='spiceport'><source channel='org.qemu.console.serial.0'/>${isa(0)}<alias name='serial0'/></serial><graphics type='spice' port='5900'/>`);
    expect(runSection(buildSerials, withSpice, harnessCtx())[0]).toBe('-chardev spiceport,id=charserial0,name=org.qemu.console.serial.0');
  });

  it('numbers fd sets across devices', () => {
    const state = new ArgvState();
    const def = domainWith(`<serial type='file'><source path='/tmp/a.log'/>${isa(0)}<alias name='serial0'/></serial>
      <parallel type='file'><source path='/tmp/b.log'/><target port='0'/><alias name='parallel0'/></parallel>`);
    runSection(buildSerials, def, harnessCtx(), state);
    expect(runSection(buildParallels, def, harnessCtx(), state)).toEqual([
      '-add-fd set=1,fd=1750,opaque=parallel0-source',
      '-chardev file,id=charparallel0,path=/dev/fdset/1,append=on',
      `-device {"driver":"isa-parallel","chardev":"charparallel0","id":"parallel0"}`,
    ]);
  });
});

describe('parallel section', () => {
  it('uses a host parport for a dev backend', () => {
    const def = domainWith(`<parallel type='dev'><source path='/dev/parport0'/><target port='0'/><alias name='parallel0'/></parallel>
      <parallel type='tcp'><source mode='bind' host='127.0.0.1' service='9999'/><protocol type='raw'/><target port='1'/><alias name='parallel1'/></parallel>`);
    expect(runSection(buildParallels, def, harnessCtx())).toEqual([
      '-chardev parallel,id=charparallel0,path=/dev/parport0',
      `-device {"driver":"isa-parallel","chardev":"charparallel0","id":"parallel0"}`,
      '-chardev socket,id=charparallel1,host=127.0.0.1,port=9999,server=on,wait=off',
      `-device {"driver":"isa-parallel","chardev":"charparallel1","id":"parallel1"}`,
    ]);
  });
});

describe('channel section', () => {
  it('puts virtio channels on the virtio-serial bus with their port number and name', () => {
    const def = domainWith(`${VSERIAL}
      <channel type='unix'><source mode='bind' path='/tmp/guest.agent'/><target type='virtio' name='org.qemu.guest_agent.0'/><alias name='channel0'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>
      <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/><alias name='channel1'/><address type='virtio-serial' controller='0' bus='0' port='2'/></channel>
      <channel type='qemu-vdagent'><source><clipboard copypaste='yes'/><mouse mode='client'/></source><target type='virtio' name='com.redhat.spice.0'/><alias name='channel2'/><address type='virtio-serial' controller='0' bus='0' port='3'/></channel>`);
    expect(runSection(buildChannels, def, harnessCtx())).toEqual([
      '-chardev socket,id=charchannel0,fd=1729,server=on,wait=off',
      `-device {"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"}`,
      '-chardev spicevmc,id=charchannel1,name=vdagent',
      `-device {"driver":"virtserialport","bus":"virtio-serial0.0","nr":2,"chardev":"charchannel1","id":"channel1","name":"com.redhat.spice.0"}`,
      '-chardev qemu-vdagent,id=charchannel2,name=vdagent,clipboard=on,mouse=on',
      `-device {"driver":"virtserialport","bus":"virtio-serial0.0","nr":3,"chardev":"charchannel2","id":"channel2","name":"com.redhat.spice.0"}`,
    ]);
  });

  it('gives a virtio unix channel without a path a socket in the channel directory', () => {
    const def = domainWith(`${VSERIAL}<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/><alias name='channel0'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>`);
    expect(runSection(buildChannels, def, virtformCtx())[0]).toBe('-chardev socket,id=charchannel0,path=/run/virtform/guest/channel/org.qemu.guest_agent.0,server=on,wait=off');
  });

  it('forwards a guest TCP address to the chardev with a user-mode netdev', () => {
    const def = domainWith(`<channel type='unix'><source mode='connect' path='/tmp/guestfwd-connect.socket'/><target type='guestfwd' address='10.0.2.1' port='4601'/><alias name='channel1'/></channel>`);
    expect(runSection(buildChannels, def, harnessCtx())).toEqual([
      '-chardev socket,id=charchannel1,path=/tmp/guestfwd-connect.socket',
      `-netdev {"type":"user","guestfwd":[{"str":"tcp:10.0.2.1:4601-chardev:charchannel1"}],"id":"channel1"}`,
    ]);
  });
});

describe('console section', () => {
  it('adds virtio consoles (on the virtio-serial bus, no port named) and skips the serial alias console', () => {
    const def = domainWith(`${VSERIAL}
      <console type='pty'><target type='serial' port='0'/><alias name='serial0'/></console>
      <console type='unix'><source mode='bind' path='/tmp/listen.socket'/><target type='virtio' port='1'/><alias name='console1'/><address type='virtio-serial' controller='0' bus='0' port='1'/></console>`);
    expect(runSection(buildConsoles, def, harnessCtx())).toEqual([
      '-chardev socket,id=charconsole1,fd=1729,server=on,wait=off',
      `-device {"driver":"virtconsole","chardev":"charconsole1","id":"console1"}`,
    ]);
  });

  it('adds an SCLP console as sclpconsole', () => {
    const def = domainWith(`<console type='pty'><target type='sclp' port='0'/><alias name='console0'/></console>`);
    expect(runSection(buildConsoles, def, harnessCtx())).toEqual([
      '-chardev pty,id=charconsole0',
      `-device {"driver":"sclpconsole","chardev":"charconsole0","id":"console0"}`,
    ]);
  });
});
