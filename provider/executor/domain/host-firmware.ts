/**
 * The QEMU firmware descriptors of a host (`/usr/share/qemu/firmware/*.json` and the folders
 * that override it), read through the Transport: firmware autoselection (`<os firmware='efi'>`)
 * must pick from what the host running QEMU has, not from the machine running virtform.
 * Same override rules as provider/qemu's local loader (chooseFirmwareDescriptorFiles).
 */
import type { FirmwareDescriptor } from '../../qemu/defaults/firmware-descriptor';
import { chooseFirmwareDescriptorFiles, parseFirmwareDescriptorFiles } from '../../qemu/defaults/firmware-descriptor';
import type { Transport } from '../../host/transport';

/**
 * The folders a system QEMU reads descriptors from, most important first. The per-user folder
 * (`~/.config/qemu/firmware`) is left out: virtform runs QEMU as a system service does.
 */
export const HOST_FIRMWARE_DIRS: readonly string[] = ['/etc/qemu/firmware', '/usr/share/qemu/firmware'];

const LIST_SCRIPT = `
for d in "$@"; do
  [ -d "$d" ] || continue
  printf 'D%s\\0' "$d"
  for f in "$d"/*.json; do [ -e "$f" ] && printf 'F%s\\0' "\${f##*/}"; done
done
exit 0
`;

/** Lists `dirs` on the host, applies the override rules and parses the winners: two round trips. */
export async function readHostFirmwareDescriptors(t: Transport, dirs: readonly string[] = HOST_FIRMWARE_DIRS): Promise<FirmwareDescriptor[]> {
  const r = await t.exec(['sh', '-c', LIST_SCRIPT, 'sh', ...dirs], { timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`${t.hostLabel}: cannot list the QEMU firmware descriptors in ${dirs.join(', ')}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
  const listing: { dir: string; names: string[] }[] = [];
  for (const item of r.stdout.toString('utf8').split('\0')) {
    if (item.startsWith('D')) listing.push({ dir: item.slice(1), names: [] });
    else if (item.startsWith('F') && listing.length) listing[listing.length - 1].names.push(item.slice(1));
  }
  const files = chooseFirmwareDescriptorFiles(listing);
  const texts = await t.readFiles(files);
  return parseFirmwareDescriptorFiles(
    files.map((file) => {
      const b = texts.get(file);
      if (!b) throw new Error(`${t.hostLabel}: cannot read the QEMU firmware descriptor ${file}`);
      return { file: `${t.hostLabel}:${file}`, text: b.toString('utf8') };
    }),
  );
}
