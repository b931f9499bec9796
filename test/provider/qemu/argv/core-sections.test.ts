/**
 * The argv-core sections on hand-written domains, with the exact command lines libvirt 9.0 would
 * print for them (layout, option order, JSON key order). Only the argv-core sections run, so the
 * device sections do not change these expectations.
 */
import { fixtureContext, parseDomain, coreArgs } from './argv-fixture';
import { buildQemuCommandLine } from '../../../../provider/qemu/argv/build';
import { QemuConfigError } from '../../../../provider/qemu/validate/errors';
import { startupSetAction } from '../../../../provider/qemu/argv/startup-actions';
import { FIXTURE_CAPS } from './argv-fixture';

const NOW = 1700000000; // 2023-11-14T22:13:20Z

function args(xml: string): string {
  const d = parseDomain(xml);
  return coreArgs(d, fixtureContext(d.name, { nowEpochSeconds: NOW }));
}

/** The lines of an .args text from the first line starting with `from` to the one starting with `to`. */
function linesBetween(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  const a = lines.findIndex((l) => l.startsWith(from));
  const b = lines.findIndex((l, i) => i >= a && l.startsWith(to));
  return lines.slice(a, b + 1).join('\n');
}

const XML: Record<string, string> = {
  'minimal': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>`,
  'q35-features': `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='GiB'>2</memory>
  <vcpu current='2'>4</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd.img</initrd>
    <cmdline>console=ttyS0 root=/dev/vda</cmdline>
    <bootmenu enable='yes' timeout='3000'/>
    <bios rebootTimeout='5000'/>
  </os>
  <features>
    <acpi/>
    <apic eoi='on'/>
    <vmport state='off'/>
    <smm state='on'><tseg unit='MiB'>48</tseg></smm>
    <ioapic driver='qemu'/>
    <pvspinlock state='off'/>
  </features>
  <cpu><topology sockets='1' dies='1' cores='2' threads='2'/></cpu>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup' track='guest'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
    <timer name='kvmclock' present='yes'/>
  </clock>
  <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
</domain>`,
  'cpu-hyperv': `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features>
    <hyperv mode='custom'>
      <relaxed state='on'/>
      <vapic state='on'/>
      <spinlocks state='on' retries='8191'/>
      <vpindex state='on'/>
      <synic state='on'/>
      <stimer state='on'><direct state='on'/></stimer>
      <vendor_id state='on' value='KVM Hv'/>
    </hyperv>
    <kvm><hidden state='on'/><pv-ipi state='off'/></kvm>
    <pmu state='off'/>
  </features>
  <cpu mode='host-passthrough' migratable='on'>
    <cache mode='passthrough'/>
    <maxphysaddr mode='emulate' bits='42'/>
    <feature policy='require' name='tsc_adjust'/>
    <feature policy='disable' name='vmx'/>
  </cpu>
  <clock offset='localtime'><timer name='hypervclock' present='yes'/></clock>
</domain>`,
  'numa-hugepages': `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='GiB'>3</memory>
  <memoryBacking>
    <hugepages>
      <page size='2' unit='MiB' nodeset='0'/>
      <page size='1' unit='GiB' nodeset='1'/>
    </hugepages>
  </memoryBacking>
  <vcpu>4</vcpu>
  <numatune>
    <memory mode='strict' nodeset='0-1'/>
    <memnode cellid='1' mode='preferred' nodeset='3'/>
  </numatune>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <cpu mode='custom' match='exact'>
    <model fallback='forbid'>qemu64</model>
    <numa>
      <cell id='0' cpus='0-1' memory='1' unit='GiB' memAccess='shared'>
        <distances><sibling id='0' value='10'/><sibling id='1' value='21'/></distances>
      </cell>
      <cell id='1' cpus='2-3' memory='2' unit='GiB'/>
    </numa>
  </cpu>
</domain>`,
  'numa-legacy': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>2048</memory>
  <memoryBacking><allocation mode='immediate'/></memoryBacking>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-5.0'>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0' memory='1024' unit='MiB'/><cell id='1' cpus='1' memory='1024' unit='MiB'/></numa></cpu>
</domain>`,
  'memory-hotplug': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <maxMemory slots='8' unit='GiB'>16</maxMemory>
  <memory unit='MiB'>3072</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0-1' memory='1' unit='GiB'/></numa></cpu>
  <devices>
    <memory model='dimm'>
      <source><nodemask>2-3</nodemask><pagesize unit='KiB'>2048</pagesize></source>
      <target><size unit='MiB'>1023</size><node>0</node></target>
      <address type='dimm' slot='0'/>
    </memory>
    <memory model='nvdimm'>
      <source><path>/srv/nvdimm0</path></source>
      <target><size unit='MiB'>1024</size><node>0</node><label><size unit='KiB'>128</size></label><readonly/></target>
      <address type='dimm' slot='1'/>
    </memory>
  </devices>
</domain>`,
  'iothreads-firmware': `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <iothreads>2</iothreads>
  <iothreadids><iothread id='1' thread_pool_min='2' thread_pool_max='8'/><iothread id='2'/></iothreadids>
  <defaultiothread thread_pool_min='1' thread_pool_max='4'/>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/vf/nvram/vm1_VARS.fd</nvram>
  </os>
  <features><acpi/><smm state='on'/></features>
</domain>`,
  'rom-commandline': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>256</memory>
  <memoryBacking><locked/><nosharepages/></memoryBacking>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <loader type='rom'>/usr/share/seabios/bios.bin</loader>
  </os>
  <clock offset='variable' adjustment='3600' basis='utc'/>
  <qemu:commandline>
    <qemu:arg value='-trace'/>
    <qemu:arg value='events=/tmp/events'/>
    <qemu:env name='QEMU_FOO' value='bar baz'/>
  </qemu:commandline>
</domain>`,
  'timezone-sev': `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <clock offset='timezone' timezone='Europe/Paris'/>
  <launchSecurity type='sev' kernelHashes='yes'>
    <cbitpos>47</cbitpos>
    <reducedPhysBits>1</reducedPhysBits>
    <policy>0x0003</policy>
    <dhCert>AAAA</dhCert>
  </launchSecurity>
</domain>`,
  'hugepage-nomount': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>512</memory>
  <memoryBacking><hugepages><page size='16' unit='MiB'/></hugepages></memoryBacking>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>`,
  'host-node-missing': `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <numatune><memory mode='strict' nodeset='7'/></numatune>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>`,
};

describe('argv-core sections', () => {
  it('minimal: whole command line', () => {
    expect(args(XML['minimal'])).toBe(`LC_ALL=C \\
PATH=/usr/bin:/bin \\
HOME=/var/lib/vf/domain--1-vm1 \\
USER=vf \\
LOGNAME=vf \\
XDG_DATA_HOME=/var/lib/vf/domain--1-vm1/.local/share \\
XDG_CACHE_HOME=/var/lib/vf/domain--1-vm1/.cache \\
XDG_CONFIG_HOME=/var/lib/vf/domain--1-vm1/.config \\
/usr/bin/qemu-system-x86_64 \\
-name guest=vm1,debug-threads=on \\
-S \\
-object '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/vf/domain--1-vm1/master-key.aes"}' \\
-machine pc,usb=off,dump-guest-core=off,memory-backend=pc.ram \\
-accel tcg \\
-m 512 \\
-object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":536870912}' \\
-overcommit mem-lock=off \\
-smp 1,sockets=1,cores=1,threads=1 \\
-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8 \\
-display none \\
-no-user-config \\
-nodefaults \\
-chardev socket,id=charmonitor,path=/run/vf/vm1/qmp.sock,server=on,wait=off \\
-mon chardev=charmonitor,id=monitor,mode=control \\
-rtc base=utc \\
-no-shutdown \\
-no-acpi \\
-boot strict=on \\
-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny \\
-msg timestamp=on
`);
  });

  it('q35-features: machine options, TSEG, CPU flags from features and timers, topology', () => {
    expect(linesBetween(args(XML['q35-features']), '-machine', '-smp')).toBe(`-machine q35,usb=off,vmport=off,smm=on,kernel_irqchip=split,dump-guest-core=off,memory-backend=pc.ram,hpet=off \\
-accel kvm \\
-global mch.extended-tseg-mbytes=48 \\
-cpu qemu64,kvmclock=on,kvm-pv-eoi=on,kvm-pv-unhalt=off \\
-m 2048 \\
-object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":2147483648}' \\
-overcommit mem-lock=off \\
-smp 2,maxcpus=4,sockets=1,dies=1,cores=2,threads=2 \\`);
  });

  it('q35-features: RTC, PIT policy, ICH9 sleep states, boot menu and direct kernel boot', () => {
    expect(linesBetween(args(XML['q35-features']), '-rtc', '-append')).toBe(`-rtc base=utc,clock=vm,driftfix=slew \\
-global kvm-pit.lost_tick_policy=delay \\
-no-shutdown \\
-global ICH9-LPC.disable_s3=1 \\
-global ICH9-LPC.disable_s4=1 \\
-boot menu=on,reboot-timeout=5000,splash-time=3000,strict=on \\
-kernel /boot/vmlinuz \\
-initrd /boot/initrd.img \\
-append 'console=ttyS0 root=/dev/vda' \\`);
  });

  it('cpu-hyperv: host-passthrough with features, Hyper-V, KVM, PMU, cache and phys-bits', () => {
    expect(linesBetween(args(XML['cpu-hyperv']), '-cpu', '-cpu')).toBe(`-cpu 'host,migratable=on,tsc-adjust=on,vmx=off,hv-time=on,hv-relaxed=on,hv-vapic=on,hv-spinlocks=0x1fff,hv-vpindex=on,hv-synic=on,hv-stimer=on,hv-stimer-direct=on,hv-vendor-id=KVM Hv,kvm=off,kvm-pv-ipi=off,pmu=off,host-cache-info=on,l3-cache=off,phys-bits=42' \\`);
  });

  it('numa-hugepages: NUMA cells on hugepages per nodeset with numatune policies, thread contexts and distances', () => {
    expect(linesBetween(args(XML['numa-hugepages']), '-machine', '-uuid')).toBe(`-machine q35,usb=off,dump-guest-core=off \\
-accel kvm \\
-cpu qemu64 \\
-m 3072 \\
-overcommit mem-lock=off \\
-smp 4,sockets=4,cores=1,threads=1 \\
-object '{"qom-type":"thread-context","id":"tc-ram-node0","node-affinity":[0,1]}' \\
-object '{"qom-type":"memory-backend-file","id":"ram-node0","mem-path":"/dev/hugepages/virtform/-1-vm1","share":true,"prealloc":true,"size":1073741824,"host-nodes":[0,1],"policy":"bind","prealloc-context":"tc-ram-node0"}' \\
-numa node,nodeid=0,cpus=0-1,memdev=ram-node0 \\
-object '{"qom-type":"thread-context","id":"tc-ram-node1","node-affinity":[3]}' \\
-object '{"qom-type":"memory-backend-file","id":"ram-node1","mem-path":"/dev/hugepages1G/virtform/-1-vm1","prealloc":true,"size":2147483648,"host-nodes":[3],"policy":"preferred","prealloc-context":"tc-ram-node1"}' \\
-numa node,nodeid=1,cpus=2-3,memdev=ram-node1 \\
-numa dist,src=0,dst=0,val=10 \\
-numa dist,src=0,dst=1,val=21 \\
-numa dist,src=1,dst=0,val=21 \\
-numa dist,src=1,dst=1,val=10 \\
-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8 \\`);
  });

  it('numa-legacy: legacy -numa mem= with -mem-prealloc on a machine that still accepts it', () => {
    expect(linesBetween(args(XML['numa-legacy']), '-machine', '-uuid')).toBe(`-machine pc-i440fx-5.0,usb=off,dump-guest-core=off \\
-accel tcg \\
-m 2048 \\
-overcommit mem-lock=off \\
-smp 2,sockets=2,cores=1,threads=1 \\
-mem-prealloc \\
-numa node,nodeid=0,cpus=0,mem=1024 \\
-numa node,nodeid=1,cpus=1,mem=1024 \\
-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8 \\`);
  });

  it('memory-hotplug: memory hotplug: nvdimm machine option and -m with slots and maxmem', () => {
    expect(linesBetween(args(XML['memory-hotplug']), '-machine', '-m ')).toBe(`-machine pc,usb=off,dump-guest-core=off,nvdimm=on \\
-accel tcg \\
-m size=1048576k,slots=8,maxmem=16777216k \\`);
  });

  it('memory-hotplug: DIMM on hugepages with host nodes and an NVDIMM with label and read-only', () => {
    expect(linesBetween(args(XML['memory-hotplug']), '-boot', `-device '{"driver":"nvdimm"`)).toBe(`-boot strict=on \\
-object '{"qom-type":"thread-context","id":"tc-memdimm0","node-affinity":[2,3]}' \\
-object '{"qom-type":"memory-backend-file","id":"memdimm0","mem-path":"/dev/hugepages/virtform/-1-vm1","prealloc":true,"size":1073741824,"host-nodes":[2,3],"policy":"bind","prealloc-context":"tc-memdimm0"}' \\
-device '{"driver":"pc-dimm","node":0,"memdev":"memdimm0","id":"dimm0","slot":0}' \\
-object '{"qom-type":"memory-backend-file","id":"memnvdimm1","mem-path":"/srv/nvdimm0","prealloc":true,"size":1073741824}' \\
-device '{"driver":"nvdimm","node":0,"label-size":131072,"unarmed":true,"memdev":"memnvdimm1","id":"nvdimm1","slot":1}' \\`);
  });

  it('iothreads-firmware: pflash firmware with NVRAM, secure boot global', () => {
    expect(linesBetween(args(XML['iothreads-firmware']), '-blockdev', '-global')).toBe(`-blockdev '{"driver":"file","filename":"/usr/share/OVMF/OVMF_CODE.secboot.fd","node-name":"libvirt-pflash0-storage","auto-read-only":true,"discard":"unmap"}' \\
-blockdev '{"node-name":"libvirt-pflash0-format","read-only":true,"driver":"raw","file":"libvirt-pflash0-storage"}' \\
-blockdev '{"driver":"file","filename":"/var/lib/vf/nvram/vm1_VARS.fd","node-name":"libvirt-pflash1-storage","auto-read-only":true,"discard":"unmap"}' \\
-blockdev '{"node-name":"libvirt-pflash1-format","read-only":false,"driver":"raw","file":"libvirt-pflash1-storage"}' \\
-machine q35,usb=off,smm=on,dump-guest-core=off,memory-backend=pc.ram,pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format \\
-accel kvm \\
-global driver=cfi.pflash01,property=secure,value=on \\`);
  });

  it('iothreads-firmware: iothread objects with pool sizes and the main loop', () => {
    expect(linesBetween(args(XML['iothreads-firmware']), `-object '{"qom-type":"iothread"`, `-object '{"qom-type":"main-loop"`)).toBe(`-object '{"qom-type":"iothread","id":"iothread1","thread-pool-min":2,"thread-pool-max":8}' \\
-object '{"qom-type":"iothread","id":"iothread2"}' \\
-object '{"qom-type":"main-loop","id":"main-loop","thread-pool-min":1,"thread-pool-max":4}' \\`);
  });

  it('rom-commandline: whole command line', () => {
    expect(args(XML['rom-commandline'])).toBe(`LC_ALL=C \\
PATH=/usr/bin:/bin \\
HOME=/var/lib/vf/domain--1-vm1 \\
USER=vf \\
LOGNAME=vf \\
XDG_DATA_HOME=/var/lib/vf/domain--1-vm1/.local/share \\
XDG_CACHE_HOME=/var/lib/vf/domain--1-vm1/.cache \\
XDG_CONFIG_HOME=/var/lib/vf/domain--1-vm1/.config \\
QEMU_FOO='bar baz' \\
/usr/bin/qemu-system-x86_64 \\
-name guest=vm1,debug-threads=on \\
-S \\
-object '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/vf/domain--1-vm1/master-key.aes"}' \\
-machine pc,usb=off,dump-guest-core=off,mem-merge=off,memory-backend=pc.ram \\
-accel tcg \\
-bios /usr/share/seabios/bios.bin \\
-m 256 \\
-object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":268435456}' \\
-overcommit mem-lock=on \\
-smp 1,sockets=1,cores=1,threads=1 \\
-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8 \\
-display none \\
-no-user-config \\
-nodefaults \\
-chardev socket,id=charmonitor,path=/run/vf/vm1/qmp.sock,server=on,wait=off \\
-mon chardev=charmonitor,id=monitor,mode=control \\
-rtc base=2023-11-14T23:13:20 \\
-no-shutdown \\
-no-acpi \\
-boot strict=on \\
-trace events=/tmp/events \\
-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny \\
-msg timestamp=on
`);
  });

  it('timezone-sev: timezone clock exports TZ', () => {
    expect(linesBetween(args(XML['timezone-sev']), 'TZ=', 'TZ=')).toBe(`TZ=Europe/Paris \\`);
  });

  it('timezone-sev: SEV: confidential-guest-support', () => {
    expect(linesBetween(args(XML['timezone-sev']), '-machine', '-machine')).toBe(`-machine q35,usb=off,dump-guest-core=off,memory-backend=pc.ram,confidential-guest-support=lsec0 \\`);
  });

  it('timezone-sev: SEV guest object', () => {
    expect(linesBetween(args(XML['timezone-sev']), `-object '{"qom-type":"sev-guest"`, `-object '{"qom-type":"sev-guest"`)).toBe(`-object '{"qom-type":"sev-guest","id":"lsec0","cbitpos":47,"reduced-phys-bits":1,"policy":3,"dh-cert-file":"/var/lib/vf/domain--1-vm1/dh_cert.base64","kernel-hashes":true}' \\`);
  });

  it('rejects a hugepage size no hugetlbfs mount provides', () => {
    expect(() => args(XML['hugepage-nomount'])).toThrow(new QemuConfigError('internal', 'Unable to find any usable hugetlbfs mount for 16384 KiB'));
  });

  it('rejects a numatune nodeset naming a host node that does not exist', () => {
    expect(() => args(XML['host-node-missing'])).toThrow('unsupported configuration: NUMA node 7 is unavailable');
  });

  it('passes the monitor as an fd when the launcher holds it', () => {
    const d = parseDomain(XML.minimal);
    const text = coreArgs(d, fixtureContext(d.name, { monitor: { kind: 'fd', fd: 27 } }));
    expect(text).toContain('-chardev socket,id=charmonitor,fd=27,server=on,wait=off \\\n-mon chardev=charmonitor,id=monitor,mode=control \\\n');
  });

  it('refuses a variable clock without the current time', () => {
    const d = parseDomain(XML['rom-commandline']);
    expect(() => coreArgs(d, fixtureContext(d.name))).toThrow("unsupported configuration: a clock with offset='variable' needs the current time to start the RTC");
  });

  it('builds the same command line twice from one domain (no state leaks between builds)', () => {
    const d = parseDomain(XML['numa-hugepages']);
    const ctx = fixtureContext(d.name);
    expect(buildQemuCommandLine(d, ctx).toArgsFile()).toBe(buildQemuCommandLine(d, ctx).toArgsFile());
  });

  it('SMBIOS tables from <sysinfo> in libvirt order with commas doubled, and fw_cfg entries', () => {
    const xml = `<domain type='qemu'><name>s</name><memory unit='MiB'>64</memory>
  <sysinfo type='smbios'>
    <bios><entry name='vendor'>LENOVO</entry><entry name='version'>6FET82WW (3.12 )</entry></bios>
    <system><entry name='product'>Virt,Manager</entry><entry name='manufacturer'>Fedora</entry><entry name='family'>Red Hat</entry></system>
    <baseBoard><entry name='manufacturer'>Lenovo</entry><entry name='location'>Not Available</entry></baseBoard>
    <oemStrings><entry>myappname:some arbitrary data</entry><entry>otherappname:more arbitrary data</entry></oemStrings>
  </sysinfo>
  <sysinfo type='fwcfg'>
    <entry name='opt/com.example/name'>example value</entry>
    <entry name='opt/com.coreos/config' file='/tmp/provision.ign'/>
  </sysinfo>
  <os><type arch='x86_64' machine='pc'>hvm</type><smbios mode='sysinfo'/></os></domain>`;
    expect(linesBetween(args(xml), '-smbios', '-fw_cfg name=opt/com.coreos')).toBe(
      [
        "-smbios 'type=0,vendor=LENOVO,version=6FET82WW (3.12 )' \\",
        "-smbios 'type=1,manufacturer=Fedora,product=Virt,,Manager,family=Red Hat' \\",
        "-smbios 'type=2,manufacturer=Lenovo,location=Not Available' \\",
        "-smbios 'type=11,value=myappname:some arbitrary data,value=otherappname:more arbitrary data' \\",
        "-fw_cfg 'name=opt/com.example/name,string=example value' \\",
        '-fw_cfg name=opt/com.coreos/config,file=/tmp/provision.ign \\',
      ].join('\n'),
    );
  });

  it('asks QEMU to turn a guest reboot into a shutdown only for <on_reboot>destroy</on_reboot>', () => {
    const d = parseDomain(XML.minimal);
    expect(startupSetAction(d, FIXTURE_CAPS)).toBeUndefined();
    d.onReboot = 'destroy';
    expect(startupSetAction(d, FIXTURE_CAPS)).toEqual({ reboot: 'shutdown' });
  });
});
