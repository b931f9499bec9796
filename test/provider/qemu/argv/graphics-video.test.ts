import { buildGraphics } from '../../../../provider/qemu/argv/sections/graphics';
import { buildVideos } from '../../../../provider/qemu/argv/sections/videos';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import { ArgvState } from '../../../../provider/qemu/argv/build';
import { domainWith, runSection } from './storage-fixture';
import { harnessCtx, virtformCtx } from './device-fixture';

const ROOT = `<controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`;
const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;
const AUDIO = `<audio id='1' type='none'/>`;

describe('graphics section: VNC', () => {
  it('listens on the configured address by default, at the first display for autoport, with its audio', () => {
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc'/>${AUDIO}`), harnessCtx())).toEqual(['-vnc 127.0.0.1:0,audiodev=audio1']);
    const ctx = harnessCtx({ config: { vncListen: '0.0.0.0' } });
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc' port='5905' autoport='no'/>`), ctx)).toEqual(['-vnc 0.0.0.0:5']);
  });

  it('brackets IPv6 addresses and adds websocket, share policy, password, power control and keymap', () => {
    const def = domainWith(`<graphics type='vnc' port='65530' autoport='no' websocket='5700' keymap='de' sharePolicy='allow-exclusive' powerControl='yes' passwd='secret'>
      <listen type='address' address='::'/></graphics><audio id='2' type='none'/>`);
    expect(runSection(buildGraphics, def, harnessCtx())).toEqual([
      "-vnc [::]:59630,websocket=5700,share=allow-exclusive,password=on,power-control=on,audiodev=audio2",
      '-k de',
    ]);
  });

  it('listens on a unix socket, on none, or on an auto-generated socket when qemu.conf says so', () => {
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc'><listen type='socket' socket='/tmp/foo=bar.sock'/></graphics>`), harnessCtx())).toEqual(['-vnc vnc=unix:/tmp/foo=bar.sock']);
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc'><listen type='none'/></graphics>`), harnessCtx())).toEqual(['-vnc none']);
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc'><listen type='socket'/></graphics>`), harnessCtx())).toEqual([
      '-vnc vnc=unix:/tmp/lib/domain--1-guest/vnc.sock',
    ]);
    const auto = harnessCtx({ config: { vncAutoUnixSocket: true } });
    expect(runSection(buildGraphics, domainWith(`<graphics type='vnc'><listen type='address'/></graphics>`), auto)).toEqual(['-vnc vnc=unix:/tmp/lib/domain--1-guest/vnc.sock']);
  });

  it('adds TLS credentials (with their password secret) and SASL from qemu.conf', () => {
    const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
    const ctx = harnessCtx({
      config: {
        vncTLS: 1, vncTLSx509verify: 1, vncTLSx509certdir: '/etc/pki/libvirt-vnc', vncTLSx509secretUUID: '6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea',
        vncSASL: 1, vncSASLdir: '/root/.sasl2',
      },
    });
    buildGraphics(cmd, domainWith(`<graphics type='vnc' port='5903' autoport='no' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>${AUDIO}`), ctx, new ArgvState());
    expect(cmd.env).toEqual([['SASL_CONF_PATH', '/root/.sasl2']]);
    expect(cmd.args).toEqual([
      '-object',
      `{"qom-type":"secret","id":"vnc-tls-creds0-secret0","data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
      '-object',
      `{"qom-type":"tls-creds-x509","id":"vnc-tls-creds0","dir":"/etc/pki/libvirt-vnc","endpoint":"server","verify-peer":true,"passwordid":"vnc-tls-creds0-secret0"}`,
      '-vnc',
      '127.0.0.1:3,tls-creds=vnc-tls-creds0,sasl=on,audiodev=audio1',
    ]);
  });

  it('rejects a fixed VNC port below 5900', () => {
    expect(() => runSection(buildGraphics, domainWith(`<graphics type='vnc' port='5000' autoport='no'/>`), harnessCtx())).toThrow(
      'unsupported configuration: vnc port must be in range [5900,65535]',
    );
  });
});

describe('graphics section: SPICE and others', () => {
  it('writes ports, TLS channels, compression, clipboard and file transfer in libvirt order', () => {
    const def = domainWith(`<graphics type='spice' port='5903' tlsPort='5904' autoport='no' listen='127.0.0.1' defaultMode='secure'>
      <listen type='address' address='127.0.0.1'/>
      <channel name='main' mode='secure'/><channel name='inputs' mode='insecure'/>
      <image compression='auto_glz'/><jpeg compression='auto'/><zlib compression='auto'/><playback compression='on'/>
      <streaming mode='filter'/><clipboard copypaste='no'/><mouse mode='server'/><filetransfer enable='no'/></graphics>`);
    expect(runSection(buildGraphics, def, harnessCtx())).toEqual([
      '-spice port=5903,tls-port=5904,addr=127.0.0.1,agent-mouse=off,x509-dir=/etc/pki/libvirt-spice,tls-channel=default,tls-channel=main,' +
        'plaintext-channel=inputs,image-compression=auto_glz,jpeg-wan-compression=auto,zlib-glz-wan-compression=auto,playback-compression=on,' +
        'streaming-video=filter,disable-copy-paste=on,disable-agent-file-xfer=on,seamless-migration=on',
    ]);
  });

  it('listens nowhere without listener and ports, on the configured address otherwise, and on unix sockets', () => {
    expect(runSection(buildGraphics, domainWith(`<graphics type='spice'/>`), harnessCtx())).toEqual(['-spice port=0,seamless-migration=on']);
    expect(runSection(buildGraphics, domainWith(`<graphics type='spice' port='5900' autoport='no'/>`), harnessCtx())).toEqual([
      '-spice port=5900,addr=127.0.0.1,seamless-migration=on',
    ]);
    expect(runSection(buildGraphics, domainWith(`<graphics type='spice'><listen type='socket' socket='/tmp/spice.sock'/></graphics>`), harnessCtx())).toEqual([
      '-spice unix,addr=/tmp/spice.sock,seamless-migration=on',
    ]);
  });

  it('uses the pretend ports of libvirt for autoport (a TLS port only with SPICE TLS)', () => {
    const def = () => domainWith(`<graphics type='spice' autoport='yes'><listen type='address'/><image compression='off'/></graphics>`);
    expect(runSection(buildGraphics, def(), harnessCtx())).toEqual([
      '-spice port=5901,tls-port=5902,addr=127.0.0.1,x509-dir=/etc/pki/libvirt-spice,image-compression=off,seamless-migration=on',
    ]);
    expect(runSection(buildGraphics, def(), harnessCtx({ config: {} }))).toEqual(['-spice port=5901,addr=127.0.0.1,image-compression=off,seamless-migration=on']);
  });

  it('refuses secure channels without a TLS port', () => {
    const def = domainWith(`<graphics type='spice' port='5903' autoport='no'><channel name='main' mode='secure'/></graphics>`);
    expect(() => runSection(buildGraphics, def, harnessCtx())).toThrow(
      'unsupported configuration: spice secure channels set in XML configuration, but TLS port is not provided',
    );
  });

  it('enables OpenGL with the given render node or the host one; escapes commas', () => {
    const ctx = harnessCtx({ host: { ...harnessCtx().host, drmRenderNode: '/dev/dri/renderD128' } });
    expect(runSection(buildGraphics, domainWith(`<graphics type='spice' autoport='no'><gl enable='yes'/></graphics>`), ctx)).toEqual([
      '-spice port=0,gl=on,rendernode=/dev/dri/renderD128,seamless-migration=on',
    ]);
    expect(runSection(buildGraphics, domainWith(`<graphics type='spice' autoport='no'><gl enable='yes' rendernode='/dev/dri/foo,bar'/></graphics>`), ctx)).toEqual([
      '-spice port=0,gl=on,rendernode=/dev/dri/foo,,bar,seamless-migration=on',
    ]);
    expect(runSection(buildGraphics, domainWith(`<graphics type='egl-headless'/>`), ctx)).toEqual(['-display egl-headless,rendernode=/dev/dri/renderD128']);
  });

  it('passes the X display to SDL through the environment', () => {
    const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
    buildGraphics(cmd, domainWith(`<graphics type='sdl' display=':0.1' xauth='/root/.Xauthority' fullscreen='yes'><gl enable='yes'/></graphics>`), harnessCtx(), new ArgvState());
    expect(cmd.env).toEqual([['XAUTHORITY', '/root/.Xauthority'], ['DISPLAY', ':0.1']]);
    expect(cmd.args).toEqual(['-full-screen', '-display', 'sdl,gl=on']);
  });

  it('exports the display over D-Bus', () => {
    const def = domainWith(`<graphics type='dbus' p2p='yes'><gl enable='yes' rendernode='/dev/dri/renderD128'/><audio id='1'/></graphics>${AUDIO}`);
    expect(runSection(buildGraphics, def, harnessCtx())).toEqual(['-display dbus,p2p=on,gl=on,rendernode=/dev/dri/renderD128,audiodev=audio1']);
  });
});

describe('video section', () => {
  it('uses the VGA-compatible model for the primary adapter and the plain one for the others', () => {
    const def = domainWith(`${ROOT}
      <video><model type='qxl' ram='65536' vram='32768' vgamem='8192' heads='1' primary='yes'/><alias name='video0'/>${pci(2)}</video>
      <video><model type='qxl' ram='65536' vram='65536' vram64='131072' vgamem='16384' heads='1'/><alias name='video1'/>${pci(4)}</video>`);
    expect(runSection(buildVideos, def, harnessCtx())).toEqual([
      `-device {"driver":"qxl-vga","id":"video0","max_outputs":1,"ram_size":67108864,"vram_size":33554432,"vram64_size_mb":0,"vgamem_mb":8,"bus":"pci.0","addr":"0x2"}`,
      `-device {"driver":"qxl","id":"video1","max_outputs":1,"ram_size":67108864,"vram_size":67108864,"vram64_size_mb":128,"vgamem_mb":16,"bus":"pci.0","addr":"0x4"}`,
    ]);
  });

  it('sizes VGA and bochs framebuffers from vram; cirrus has none; a resolution is passed on', () => {
    const vga = domainWith(`${ROOT}<video><model type='vga' vram='16384' heads='1' primary='yes'><resolution x='1280' y='720'/></model><alias name='video0'/>${pci(2)}<acpi index='1729'/></video>`);
    expect(runSection(buildVideos, vga, harnessCtx())).toEqual([
      `-device {"driver":"VGA","id":"video0","vgamem_mb":16,"xres":1280,"yres":720,"bus":"pci.0","addr":"0x2","acpi-index":1729}`,
    ]);
    const bochs = domainWith(`${ROOT}<video><model type='bochs' vram='16384' heads='1' primary='yes'/><alias name='video0'/>${pci(2)}</video>`);
    expect(runSection(buildVideos, bochs, harnessCtx())).toEqual([`-device {"driver":"bochs-display","id":"video0","vgamem":16777216,"bus":"pci.0","addr":"0x2"}`]);
    const cirrus = domainWith(`${ROOT}<video><model type='cirrus' vram='16384' heads='1'/><alias name='video0'/>${pci(2)}</video>`);
    expect(runSection(buildVideos, cirrus, harnessCtx())).toEqual([`-device {"driver":"cirrus-vga","id":"video0","bus":"pci.0","addr":"0x2"}`]);
    const ramfb = domainWith(`<video><model type='ramfb' heads='1' primary='yes'/><alias name='video0'/></video>`);
    expect(runSection(buildVideos, ramfb, harnessCtx())).toEqual([`-device {"driver":"ramfb","id":"video0"}`]);
  });

  it('picks the OpenGL virtio variants and passes virtio options only to virtio devices', () => {
    const def = domainWith(`${ROOT}
      <video><driver iommu='on'/><model type='virtio' heads='1' primary='yes'><acceleration accel3d='yes'/></model><alias name='video0'/>${pci(2)}</video>
      <video><driver ats='on'/><model type='virtio' heads='2'/><alias name='video1'/>${pci(4)}</video>
      <video><model type='none'/></video>`);
    expect(runSection(buildVideos, def, harnessCtx())).toEqual([
      `-device {"driver":"virtio-vga-gl","iommu_platform":true,"id":"video0","max_outputs":1,"bus":"pci.0","addr":"0x2"}`,
      `-device {"driver":"virtio-gpu-pci","ats":true,"id":"video1","max_outputs":2,"bus":"pci.0","addr":"0x4"}`,
    ]);
  });

  it('connects vhost-user GPUs through a chardev: the passed fd (libvirt) or a socket path (virtform)', () => {
    const xml = `${ROOT}
      <video><driver name='vhostuser'/><model type='virtio' heads='1' primary='yes'/><alias name='video0'/>${pci(2)}</video>
      <video><driver name='vhostuser' packed='off'/><model type='virtio' heads='1'/><alias name='video1'/>${pci(4)}</video>`;
    expect(runSection(buildVideos, domainWith(xml), harnessCtx())).toEqual([
      '-chardev socket,id=chr-vu-video0,fd=1729',
      `-device {"driver":"vhost-user-vga","id":"video0","max_outputs":1,"chardev":"chr-vu-video0","bus":"pci.0","addr":"0x2"}`,
      '-chardev socket,id=chr-vu-video1,fd=1729',
      `-device {"driver":"vhost-user-gpu-pci","packed":false,"id":"video1","max_outputs":1,"chardev":"chr-vu-video1","bus":"pci.0","addr":"0x4"}`,
    ]);
    expect(runSection(buildVideos, domainWith(xml), virtformCtx())[0]).toBe('-chardev socket,id=chr-vu-video0,path=/run/virtform/guest/video0-vhost-user-gpu.sock');
  });

  it('treats the first adapter as primary when none is marked', () => {
    const def = domainWith(`${ROOT}<video><model type='cirrus' vram='16384'/><alias name='video0'/>${pci(2)}</video>`);
    expect(runSection(buildVideos, def, harnessCtx())).toEqual([`-device {"driver":"cirrus-vga","id":"video0","bus":"pci.0","addr":"0x2"}`]);
  });
});
