/** lease, redirdev, redirfilter, smartcard, hub: exact XML in/out and the rules libvirt enforces. */
import { Lease, validateLease } from '../../../../model/domain/devices/lease';
import { Redirdev, validateRedirdevs } from '../../../../model/domain/devices/redirdev';
import { Redirfilter } from '../../../../model/domain/devices/redirfilter';
import { Smartcard, validateSmartcard } from '../../../../model/domain/devices/smartcard';
import { Hub, validateHubs } from '../../../../model/domain/devices/hub';
import { Controller } from '../../../../model/domain/devices/controller';
import { parseDevice, roundTrip, brief } from './device-xml';

const usbNone = [parseDevice(Controller, `<controller type='usb' index='0' model='none'/>`)];
const usbOn = [parseDevice(Controller, `<controller type='usb' index='0' model='qemu-xhci'/>`)];

describe('lease', () => {
  it('prints lockspace, key and target in order', () => {
    expect(
      roundTrip(Lease, 'lease', `<lease>\n  <target offset='1024' path='/some/lease/path'/>\n  <key> thequickbrownfox </key>\n  <lockspace>somearea</lockspace>\n</lease>`),
    ).toBe(`<lease>
  <lockspace>somearea</lockspace>
  <key>thequickbrownfox</key>
  <target path='/some/lease/path' offset='1024'/>
</lease>
`);
  });

  it('needs a key and a target path', () => {
    expect(brief(validateLease(parseDevice(Lease, `<lease>\n<lockspace>a</lockspace></lease>`)))).toEqual(["1: /lease: Missing 'key' element for lease"]);
    expect(validateLease(parseDevice(Lease, `<lease><key>k</key></lease>`)).map((i) => i.problem)).toEqual(["Missing 'target' element for lease"]);
  });
});

describe('redirdev and redirfilter', () => {
  it('prints a usbredir channel over TCP with its protocol, boot order and USB address', () => {
    expect(
      roundTrip(
        Redirdev,
        'redirdev',
        `<redirdev type='tcp' bus='usb'>\n  <address type='usb' bus='0' port='4'/>\n  <boot order='1'/>\n  <protocol type='raw'/>\n  <source service='4000' host='localhost' mode='connect'/>\n</redirdev>`,
      ),
    ).toBe(`<redirdev bus='usb' type='tcp'>
  <source mode='connect' host='localhost' service='4000'/>
  <protocol type='raw'/>
  <boot order='1'/>
  <address type='usb' bus='0' port='4'/>
</redirdev>
`);
    expect(roundTrip(Redirdev, 'redirdev', `<redirdev bus='usb' type='spicevmc'/>`)).toBe(`<redirdev bus='usb' type='spicevmc'/>\n`);
  });

  it("prints filter rules with libvirt's upper-case ids and two-digit release, dropping 'any' (-1)", () => {
    expect(
      roundTrip(
        Redirfilter,
        'redirfilter',
        `<redirfilter>
  <usbdev class='0x08' vendor='0x15e1' product='0x2007' version='9.4' allow='yes'/>
  <usbdev class='-1' vendor='-1' product='-1' version='-1' allow='no'/>
</redirfilter>`,
      ),
    ).toBe(`<redirfilter>
  <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='9.40' allow='yes'/>
  <usbdev allow='no'/>
</redirfilter>
`);
    expect(() => parseDevice(Redirfilter, `<redirfilter><usbdev version='1.2.3' allow='yes'/></redirfilter>`)).toThrow(
      "attribute 'version' has value '1.2.3', which must be a USB release such as 2.00, or -1 for any",
    );
  });

  it('refuses redirection when USB is turned off, and checks the character device source', () => {
    const r = parseDevice(Redirdev, `<redirdev bus='usb' type='spicevmc'/>`);
    expect(validateRedirdevs([r], usbNone).map((i) => i.problem)).toEqual(['cannot add redirected USB device: USB is disabled for this domain']);
    expect(validateRedirdevs([r], usbOn)).toEqual([]);
    expect(validateRedirdevs([parseDevice(Redirdev, `<redirdev bus='usb' type='tcp'><source mode='connect' service='4000'/></redirdev>`)], usbOn).map((i) => i.problem)).toEqual([
      'Missing source host attribute for char device',
    ]);
  });
});

describe('smartcard', () => {
  it('prints host certificates with their database, and passthrough over a socket', () => {
    expect(
      roundTrip(
        Smartcard,
        'smartcard',
        `<smartcard mode='host-certificates'>
  <address type='ccid' controller='0' slot='0'/>
  <database>/etc/pki/nssdb</database>
  <certificate>cert1</certificate>
  <certificate>cert2</certificate>
  <certificate>cert3</certificate>
</smartcard>`,
      ),
    ).toBe(`<smartcard mode='host-certificates'>
  <certificate>cert1</certificate>
  <certificate>cert2</certificate>
  <certificate>cert3</certificate>
  <database>/etc/pki/nssdb</database>
  <address type='ccid' controller='0' slot='0'/>
</smartcard>
`);
    expect(roundTrip(Smartcard, 'smartcard', `<smartcard type='unix' mode='passthrough'><source path='/tmp/smartcard.sock' mode='bind'/></smartcard>`)).toBe(
      `<smartcard mode='passthrough' type='unix'>\n  <source mode='bind' path='/tmp/smartcard.sock'/>\n</smartcard>\n`,
    );
  });

  it("needs a 'ccid' address and three certificates", () => {
    expect(brief(validateSmartcard(parseDevice(Smartcard, `<smartcard mode='host'>\n<address type='usb' bus='0' port='1'/></smartcard>`)))).toEqual([
      "2: /smartcard/address: Controllers must use the 'ccid' address type",
    ]);
    expect(validateSmartcard(parseDevice(Smartcard, `<smartcard mode='host-certificates'><certificate>a</certificate></smartcard>`)).map((i) => i.problem)).toEqual([
      'host-certificates mode needs exactly three certificates',
    ]);
  });
});

describe('hub', () => {
  it('prints a USB hub with its address, and refuses it when USB is off', () => {
    expect(roundTrip(Hub, 'hub', `<hub type='usb'><address port='1' bus='0' type='usb'/></hub>`)).toBe(`<hub type='usb'>\n  <address type='usb' bus='0' port='1'/>\n</hub>\n`);
    const hub = parseDevice(Hub, `<hub type='usb'/>`);
    expect(validateHubs([hub], usbNone, 'Devices/hubs')).toEqual([
      { pos: { file: 'dev.xml', line: 1, column: 1 }, path: '/hub', problem: "Can't add USB hub: USB is disabled for this domain", fix: "remove the hub or the USB controller with model='none'" },
    ]);
    expect(validateHubs([hub], usbOn)).toEqual([]);
  });
});
