import { Graphics, validateGraphics, applyGraphicsDefaults } from '../../../../model/domain/devices/graphics';
import { parseDevice, roundTrip, brief, formatDevice } from './device-xml';

describe('<graphics>', () => {
  it('prints a spice server in libvirt order, channels sorted and mode any dropped', () => {
    expect(
      roundTrip(Graphics, 'graphics', `<graphics type='spice' defaultMode='secure' listen='127.0.0.1' autoport='no' tlsPort='5904' port='5903'>
  <clipboard copypaste='no'/>
  <channel name='inputs' mode='insecure'/>
  <channel name='display' mode='any'/>
  <channel name='main' mode='secure'/>
  <listen type='address' address='127.0.0.1'/>
  <gl enable='yes' rendernode='/dev/dri/foo'/>
  <image compression='auto_glz'/>
  <streaming mode='filter'/>
  <playback compression='on'/>
  <zlib compression='auto'/>
  <jpeg compression='auto'/>
  <mouse mode='client'/>
  <filetransfer enable='no'/>
</graphics>`),
    ).toBe(`<graphics type='spice' port='5903' tlsPort='5904' autoport='no' listen='127.0.0.1' defaultMode='secure'>
  <listen type='address' address='127.0.0.1'/>
  <channel name='main' mode='secure'/>
  <channel name='inputs' mode='insecure'/>
  <image compression='auto_glz'/>
  <jpeg compression='auto'/>
  <zlib compression='auto'/>
  <playback compression='on'/>
  <streaming mode='filter'/>
  <clipboard copypaste='no'/>
  <mouse mode='client'/>
  <filetransfer enable='no'/>
  <gl enable='yes' rendernode='/dev/dri/foo'/>
</graphics>
`);
  });

  it('prints vnc with port -1, websocket, share policy, password fields, listens and audio', () => {
    const xml = `<graphics type='vnc' port='-1' autoport='yes' websocket='5700' listen='1.2.3.4' keymap='en-us' sharePolicy='force-shared' powerControl='yes' passwd='secret' passwdValidTo='2011-05-31T16:11:22' connected='keep'>
  <listen type='address' address='1.2.3.4'/>
  <listen type='network' network='Bobsnetwork'/>
  <audio id='2'/>
</graphics>
`;
    expect(roundTrip(Graphics, 'graphics', xml)).toBe(xml);
  });

  it('keeps sdl, dbus and egl-headless forms', () => {
    for (const xml of [
      `<graphics type='sdl' display=':0.1' xauth='/root/.Xauthority' fullscreen='yes'/>\n`,
      `<graphics type='sdl'>\n  <gl enable='yes'/>\n</graphics>\n`,
      `<graphics type='dbus' address='unix:path=/tmp/foo'>\n  <gl enable='yes' rendernode='/dev/dri/foo'/>\n</graphics>\n`,
      `<graphics type='dbus' p2p='yes'>\n  <audio id='1'/>\n</graphics>\n`,
      `<graphics type='egl-headless'>\n  <gl rendernode='/dev/dri/foo'/>\n</graphics>\n`,
      `<graphics type='rdp' port='3389' autoport='no' replaceUser='yes' multiUser='yes'/>\n`,
      `<graphics type='desktop' display=':0' fullscreen='yes'/>\n`,
    ]) {
      expect(roundTrip(Graphics, 'graphics', xml)).toBe(xml);
    }
  });

  it('rejects attributes and children of another graphics type while parsing', () => {
    expect(() => parseDevice(Graphics, `<graphics type='sdl'\n tlsPort='5901'/>`)).toThrow(
      "dev.xml:2: /graphics/@tlsPort: attribute 'tlsPort' does not apply to graphics type 'sdl' (fix: remove it; it applies to graphics type 'spice')",
    );
    expect(() => parseDevice(Graphics, `<graphics type='vnc'>\n<image compression='off'/></graphics>`)).toThrow(
      "dev.xml:2: /graphics/image: element <image> does not apply to graphics type 'vnc'",
    );
    expect(() => parseDevice(Graphics, `<graphics type='vnc' connected='disconnect'/>`)).toThrow("VNC supports connected='keep' only");
    expect(() => parseDevice(Graphics, `<graphics type='spice'><listen type='network'/></graphics>`)).toThrow(
      "'network' attribute is required for listen type 'network'",
    );
  });

  it("reports libvirt's listen rules", () => {
    const g = parseDevice(Graphics, `<graphics type='vnc' port='5900' listen='1.2.3.4'>\n<listen type='address' address='5.6.7.8'/></graphics>`);
    expect(brief(validateGraphics(g))).toEqual([
      '1: /graphics/@listen: graphics listen attribute 1.2.3.4 must match address attribute of first listen element (found 5.6.7.8)',
    ]);
    const rdp = parseDevice(Graphics, `<graphics type='rdp'>\n<listen type='socket'/></graphics>`);
    expect(brief(validateGraphics(rdp))).toEqual(["2: /graphics/listen[1]: listen type 'socket' is not available for graphics type 'rdp'"]);
    const dbus = parseDevice(Graphics, `<graphics type='dbus' p2p='yes' address='unix:path=/x'/>`);
    expect(validateGraphics(dbus).map((i) => i.problem)).toEqual(['D-Bus p2p with an address is not supported']);
  });
});

describe('graphics defaults', () => {
  const after = (xml: string) => {
    const g = parseDevice(Graphics, xml);
    applyGraphicsDefaults(g);
    return formatDevice(Graphics, 'graphics', g);
  };

  it('mirrors the listen attribute and the first <listen>', () => {
    expect(after(`<graphics type='vnc' port='5903' autoport='no'><listen type='address' address='2001:1:2:3:4:5:1234:1234'/></graphics>`)).toBe(
      `<graphics type='vnc' port='5903' autoport='no' listen='2001:1:2:3:4:5:1234:1234'>
  <listen type='address' address='2001:1:2:3:4:5:1234:1234'/>
</graphics>
`,
    );
    expect(after(`<graphics type='vnc' port='5903' autoport='no' listen='127.0.0.1'/>`)).toBe(
      `<graphics type='vnc' port='5903' autoport='no' listen='127.0.0.1'>\n  <listen type='address' address='127.0.0.1'/>\n</graphics>\n`,
    );
    expect(after(`<graphics type='vnc'><listen type='socket' socket='/tmp/vnc.sock'/></graphics>`)).toBe(
      `<graphics type='vnc' socket='/tmp/vnc.sock'>\n  <listen type='socket' socket='/tmp/vnc.sock'/>\n</graphics>\n`,
    );
  });

  it('turns a VNC server without port into autoport with port -1', () => {
    expect(after(`<graphics type='vnc' listen='1.2.3.4' autoport='yes'><listen type='address' address='1.2.3.4'/></graphics>`)).toBe(
      `<graphics type='vnc' port='-1' autoport='yes' listen='1.2.3.4'>\n  <listen type='address' address='1.2.3.4'/>\n</graphics>\n`,
    );
    expect(after(`<graphics type='vnc'/>`)).toBe(`<graphics type='vnc' port='-1' autoport='yes'/>\n`);
    expect(after(`<graphics type='spice' port='-1'><listen type='address'/></graphics>`)).toBe(
      `<graphics type='spice' autoport='yes'>\n  <listen type='address'/>\n</graphics>\n`,
    );
  });
});
