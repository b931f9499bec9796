/**
 * The text form of plans, byte for byte: headlines, symbols, aligned attribute lines with
 * notes, reasons, data-loss lines, warnings, targeting, and the summary line.
 */
import { renderPlanText } from '../../planner/render-text';
import { DOMAIN_WEB1, liveAfter, plan, POOL_IMAGES, volumeXml } from './plan-fixtures';

const STACK = { 'pools/images.xml': POOL_IMAGES, 'volumes/images/a.img.xml': volumeXml('a.img', 1048576, 'raw'), 'domains/web1.xml': DOMAIN_WEB1 };

describe('renderPlanText', () => {
  it('prints a create with every attribute', () => {
    expect(renderPlanText(plan({ files: { 'pools/images.xml': POOL_IMAGES } }))).toBe(
      [
        'Resource actions are indicated with the following symbols:',
        '  + create',
        '',
        "virtform will perform the following actions on host h1 (stack 'web'):",
        '',
        '  # pool.images will be created',
        '  + pool "images" {',
        '      + /pool/@type            = "dir"',
        '      + /pool/name             = "images"',
        '      + /pool/uuid             = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"',
        '      + /pool/capacity/@unit   = "bytes"',
        '      + /pool/capacity         = "0"',
        '      + /pool/allocation/@unit = "bytes"',
        '      + /pool/allocation       = "0"',
        '      + /pool/available/@unit  = "bytes"',
        '      + /pool/available        = "0"',
        '      + /pool/source',
        '      + /pool/target/path      = "/srv/images"',
        '    }',
        '',
        'Plan: 1 to add, 0 to change, 0 to destroy.',
        '',
      ].join('\n'),
    );
  });

  it('prints no changes in one line', () => {
    const p = plan({ files: STACK, live: liveAfter(plan({ files: STACK })) });
    expect(renderPlanText(p)).toBe("No changes. Host h1 matches the desired state of stack 'web'.\n");
  });

  it('prints updates with notes, replacements with their data loss, and deletes with the reason', () => {
    const before = liveAfter(plan({ files: { ...STACK, 'domains/old.xml': DOMAIN_WEB1.replace('web1', 'old').replace('11111111', '33333333') } }), { state: 'shutoff' });
    const files = {
      ...STACK,
      'volumes/images/a.img.xml': volumeXml('a.img', 1024, 'raw'),
      'domains/web1.xml': DOMAIN_WEB1.replace('<vcpu>1</vcpu>', '<title>front</title><vcpu>1</vcpu>'),
    };
    expect(renderPlanText(plan({ files, live: before }))).toBe(
      [
        'Resource actions are indicated with the following symbols:',
        '  ~ update in-place',
        '  - destroy',
        '-/+ destroy and then create replacement',
        '',
        "virtform will perform the following actions on host h1 (stack 'web'):",
        '',
        '  # volume.images/a.img must be replaced',
        '  # (its image and all data in it are deleted)',
        '-/+ volume "images/a.img" {',
        '      ~ /volume/capacity   = "1048576" -> "1024" # forces replacement: shrinking from 1048576 to 1024 bytes would cut the image; it is deleted with its data and created again',
        '      ~ /volume/allocation = "1048576" -> "1024" # applies when an image is created',
        '    }',
        '',
        '  # domain.web1 will be updated in-place and started',
        '  ~ domain "web1" {',
        '      + /domain/title = "front" # metadata only',
        '      ~ runtime.state = "shutoff" -> "running" # the domain is not running: apply starts it',
        '    }',
        '',
        '  # domain.old will be destroyed',
        '  # (because the stack no longer declares domain.old)',
        '  - domain "old" {',
        '      - /domain/@type               = "qemu"',
        '      - /domain/name                = "old"',
        '      - /domain/uuid                = "33333333-2222-3333-4444-555555555555"',
        '      - /domain/memory/@unit        = "KiB"',
        '      - /domain/memory              = "524288"',
        '      - /domain/currentMemory/@unit = "KiB"',
        '      - /domain/currentMemory       = "524288"',
        '      - /domain/vcpu/@placement     = "static"',
        '      - /domain/vcpu                = "1"',
        '      - /domain/os/type/@arch       = "x86_64"',
        '      - /domain/os/type             = "hvm"',
        '      - /domain/os/boot/@dev        = "hd"',
        '      - /domain/clock/@offset       = "utc"',
        '      - /domain/on_poweroff         = "destroy"',
        '      - /domain/on_reboot           = "restart"',
        '      - /domain/on_crash            = "destroy"',
        '    }',
        '',
        'Plan: 1 to add, 1 to change, 2 to destroy.',
        '',
      ].join('\n'),
    );
  });

  it('says restarted for a running domain, masks secrets, and notes warnings and targeting', () => {
    const gfx = (pw: string) => DOMAIN_WEB1.replace('</os>', `</os><devices><graphics type='vnc' passwd='${pw}'/><disk type='volume'><source pool='images' volume='b.img'/><target dev='vda'/></disk></devices>`);
    const live = liveAfter(plan({ files: { ...STACK, 'domains/web1.xml': gfx('old-secret') } }));
    const text = renderPlanText(plan({ files: { ...STACK, 'domains/web1.xml': gfx('new-secret').replace('<vcpu>1</vcpu>', '<vcpu>2</vcpu>') }, live, targets: ['domain.web1'] }));
    expect(text).not.toContain('secret');
    expect(text).toBe(
      [
        'Resource actions are indicated with the following symbols:',
        '  ~ update in-place',
        '',
        "virtform will perform the following actions on host h1 (stack 'web'):",
        '',
        '  # domain.web1 will be updated in-place and restarted',
        '  ~ domain "web1" {',
        '      ~ /domain/vcpu                     = "1" -> "2" # needs a restart of the domain',
        '      ~ /domain/devices/graphics/@passwd = (sensitive value) (changed) # needs a restart of the domain',
        '    }',
        '',
        'Plan: 0 to add, 1 to change, 0 to destroy.',
        '',
        'Warning: stack/domains/web1.xml:6: domain.web1: /domain/devices/disk[1]/source: disk vda uses volume images/b.img, which the stack does not declare and virtform does not know on host h1; the domain will not start unless that image exists (fix: declare it in the stack (volumes/images/b.img.xml), or check the name)',
        '',
        'Warning: resource targeting is in effect (--target domain.web1): no other change is left out.',
        '',
      ].join('\n'),
    );
  });
});
