/**
 * Each top-level section of the domain document: exact XML in, exact XML out (libvirt 9.0's
 * layout, units, attribute order and the generic parse-time defaults).
 */
import { canonical, minimal, section } from './domain-xml';

describe('domain document sections', () => {
  it('prints a minimal domain with the defaults libvirt adds at define time', () => {
    expect(canonical(minimal())).toBe(`<domain type='kvm'>
  <name>vm1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
</domain>
`);
  });

  it('orders sections as libvirt does whatever the input order, and normalises ids and text', () => {
    const xml = `<domain type='qemu' id='7'>
  <on_crash>coredump-restart</on_crash>
  <description>It's a &lt;test&gt; "guest"</description>
  <os><type>hvm</type></os>
  <title>Web server</title>
  <genid/>
  <uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>
  <memory>4096</memory>
  <name>vm1</name>
</domain>`;
    expect(canonical(xml)).toBe(`<domain type='qemu' id='7'>
  <name>vm1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <genid/>
  <title>Web server</title>
  <description>It&apos;s a &lt;test&gt; &quot;guest&quot;</description>
  <memory unit='KiB'>4096</memory>
  <currentMemory unit='KiB'>4096</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>coredump-restart</on_crash>
</domain>
`);
  });

  it('keeps metadata verbatim (libxml2 quoting), one element per namespace, none without one', () => {
    const out = canonical(
      minimal(`  <metadata>
    <app1:foo xmlns:app1='http://foo.org/'>fooish</app1:foo>
    <plain/>
    <app3:foo xmlns:app3='http://foo.org/'>again</app3:foo>
    <app2:bar xmlns:app2="http://bar.com/" maman='baz'><x:y xmlns:x='http://bar.com/'/></app2:bar>
  </metadata>`),
    );
    expect(section(out, 'metadata')).toBe(`  <metadata>
    <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>
    <app2:bar xmlns:app2="http://bar.com/" maman="baz">
      <x:y xmlns:x="http://bar.com/"/>
    </app2:bar>
  </metadata>
`);
  });

  it('stores memory sizes in KiB whatever the unit, and caps the balloon at the memory size', () => {
    const out = canonical(`<domain type='kvm'>
  <name>vm1</name>
  <maxMemory slots='16' unit='GiB'>16</maxMemory>
  <memory dumpCore='off' unit='MiB'>2048</memory>
  <currentMemory unit='G'>4</currentMemory>
  <memtune>
    <swap_hard_limit unit='GiB'>2</swap_hard_limit>
    <hard_limit>9007199254740991</hard_limit>
    <soft_limit unit='MB'>1</soft_limit>
  </memtune>
  <blkiotune>
    <device><weight>500</weight><path>/dev/sda</path><write_bytes_sec>1024</write_bytes_sec></device>
    <weight>800</weight>
  </blkiotune>
  <os><type>hvm</type></os>
</domain>`);
    expect(out.split('\n').slice(2, 17).join('\n')).toBe(`  <maxMemory slots='16' unit='KiB'>16777216</maxMemory>
  <memory dumpCore='off' unit='KiB'>2097152</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <blkiotune>
    <weight>800</weight>
    <device>
      <path>/dev/sda</path>
      <weight>500</weight>
      <write_bytes_sec>1024</write_bytes_sec>
    </device>
  </blkiotune>
  <memtune>
    <soft_limit unit='KiB'>977</soft_limit>
    <swap_hard_limit unit='KiB'>2097152</swap_hard_limit>
  </memtune>`);
  });

  it('prints memoryBacking children in libvirt order with hugepage sizes in KiB', () => {
    const out = canonical(
      minimal(`  <memoryBacking>
    <discard/>
    <allocation mode='immediate' threads='8'/>
    <access mode='shared'/>
    <source type='memfd'/>
    <locked/>
    <nosharepages/>
    <hugepages>
      <page size='1' unit='G' nodeset='0'/>
      <page size='2048'/>
    </hugepages>
  </memoryBacking>
  <cpu><numa><cell id='0' cpus='0' memory='1048576'/></numa></cpu>`),
    );
    expect(section(out, 'memoryBacking')).toBe(`  <memoryBacking>
    <hugepages>
      <page size='1048576' unit='KiB' nodeset='0'/>
      <page size='2048' unit='KiB'/>
    </hugepages>
    <nosharepages/>
    <locked/>
    <source type='memfd'/>
    <access mode='shared'/>
    <allocation mode='immediate' threads='8'/>
    <discard/>
  </memoryBacking>
`);
  });

  it('prints vCPU placement, canonical CPU sets and drops a current count equal to the maximum', () => {
    const out = canonical(minimal(`  <vcpu cpuset='3,0-2,^1,8' current='4'>4</vcpu>
  <vcpus>
    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    <vcpu id='1' enabled='no' hotpluggable='yes'/>
  </vcpus>`));
    expect(section(out, 'vcpu')).toBe("  <vcpu placement='static' cpuset='0,2-3,8'>4</vcpu>\n");
    expect(section(out, 'vcpus')).toBe(`  <vcpus>
    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    <vcpu id='1' enabled='no' hotpluggable='yes'/>
  </vcpus>
`);
  });

  it('completes iothread ids up to the count with the lowest free ids', () => {
    const out = canonical(minimal(`  <iothreads>4</iothreads>
  <iothreadids><iothread id='5'/><iothread id='2' thread_pool_min='1' thread_pool_max='8'/></iothreadids>
  <defaultiothread thread_pool_max='16'/>`));
    expect(out).toContain(`  <iothreads>4</iothreads>
  <iothreadids>
    <iothread id='5'/>
    <iothread id='2' thread_pool_min='1' thread_pool_max='8'/>
    <iothread id='1'/>
    <iothread id='3'/>
  </iothreadids>
  <defaultiothread thread_pool_max='16'/>
`);
  });

  it('prints cputune in libvirt order and one scheduler element per vCPU and I/O thread', () => {
    const out = canonical(minimal(`  <vcpu>4</vcpu>
  <iothreads>3</iothreads>
  <cputune>
    <iothreadsched iothreads='1-3,^2' scheduler='batch'/>
    <vcpusched vcpus='0-1' scheduler='fifo' priority='10'/>
    <emulatorsched scheduler='idle'/>
    <iothreadpin iothread='1' cpuset='2'/>
    <emulatorpin cpuset='0,1'/>
    <vcpupin vcpu='1' cpuset='3'/>
    <vcpupin vcpu='0' cpuset='2'/>
    <iothread_quota>-1</iothread_quota>
    <emulator_period>2000</emulator_period>
    <quota>500</quota>
    <global_period>100000</global_period>
    <period>1000</period>
    <shares>2048</shares>
    <cachetune vcpus='0-1'>
      <monitor level='3' vcpus='1'/>
      <cache id='0' level='3' type='both' size='3' unit='MiB'/>
      <cache id='1' level='3' type='code' size='2560' unit='KiB'/>
    </cachetune>
    <memorytune vcpus='2'>
      <node id='0' bandwidth='20'/>
    </memorytune>
  </cputune>`));
    expect(section(out, 'cputune')).toBe(`  <cputune>
    <shares>2048</shares>
    <period>1000</period>
    <quota>500</quota>
    <global_period>100000</global_period>
    <emulator_period>2000</emulator_period>
    <iothread_quota>-1</iothread_quota>
    <vcpupin vcpu='1' cpuset='3'/>
    <vcpupin vcpu='0' cpuset='2'/>
    <emulatorpin cpuset='0-1'/>
    <iothreadpin iothread='1' cpuset='2'/>
    <emulatorsched scheduler='idle'/>
    <vcpusched vcpus='0' scheduler='fifo' priority='10'/>
    <vcpusched vcpus='1' scheduler='fifo' priority='10'/>
    <iothreadsched iothreads='1' scheduler='batch'/>
    <iothreadsched iothreads='3' scheduler='batch'/>
    <cachetune vcpus='0-1'>
      <cache id='0' level='3' type='both' size='3' unit='MiB'/>
      <cache id='1' level='3' type='code' size='2560' unit='KiB'/>
      <monitor level='3' vcpus='1'/>
    </cachetune>
    <memorytune vcpus='2'>
      <node id='0' bandwidth='20'/>
    </memorytune>
  </cputune>
`);
  });

  it('ties automatic vCPU and NUMA memory placement together', () => {
    const auto = canonical(minimal("  <vcpu placement='auto' cpuset='0-1'>2</vcpu>"));
    expect(section(auto, 'vcpu')).toBe("  <vcpu placement='auto'>2</vcpu>\n");
    expect(section(auto, 'numatune')).toBe("  <numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>\n");
    const fromMemory = canonical(minimal("  <vcpu placement='static'>2</vcpu>\n  <numatune><memory mode='interleave' placement='auto'/></numatune>"));
    expect(section(fromMemory, 'vcpu')).toBe("  <vcpu placement='auto'>2</vcpu>\n");
    const pinned = canonical(minimal("  <vcpu>2</vcpu>\n  <cputune><emulatorpin cpuset='1'/></cputune>\n  <numatune><memory placement='auto'/></numatune>"));
    expect(section(pinned, 'vcpu')).toBe("  <vcpu placement='static'>2</vcpu>\n");
    expect(section(pinned, 'numatune')).toBe("  <numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>\n");
  });

  it('prints numatune with the nodeset implying static placement', () => {
    const out = canonical(minimal(`  <vcpu>2</vcpu>
  <numatune>
    <memnode cellid='1' mode='preferred' nodeset='3'/>
    <memory placement='static' nodeset='2,0-1'/>
    <memnode cellid='0' mode='strict' nodeset='1'/>
  </numatune>
  <cpu><numa><cell cpus='0' memory='524288'/><cell cpus='1' memory='524288'/></numa></cpu>`));
    expect(section(out, 'numatune')).toBe(`  <numatune>
    <memory mode='strict' nodeset='0-2'/>
    <memnode cellid='1' mode='preferred' nodeset='3'/>
    <memnode cellid='0' mode='strict' nodeset='1'/>
  </numatune>
`);
  });

  it('prints resource, sysinfo entries in libvirt order, and fw_cfg entries', () => {
    const out = canonical(minimal(`  <resource><fibrechannel appid='app'/><partition>/machine/web</partition></resource>
  <sysinfo type='smbios'>
    <oemStrings><entry>one</entry><entry>two</entry></oemStrings>
    <system>
      <entry name='family'>Virt</entry>
      <entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry>
      <entry name='manufacturer'>Acme</entry>
    </system>
    <bios><entry name='date'>01/31/2023</entry><entry name='vendor'>Acme</entry></bios>
  </sysinfo>
  <sysinfo type='fwcfg'>
    <entry name='opt/com.example/a' file='/tmp/a.ign'/>
    <entry name='opt/com.example/b'>value</entry>
  </sysinfo>`));
    expect(section(out, 'resource')).toBe(`  <resource>
    <partition>/machine/web</partition>
    <fibrechannel appid='app'/>
  </resource>
`);
    expect(out).toContain(`  <sysinfo type='smbios'>
    <bios>
      <entry name='vendor'>Acme</entry>
      <entry name='date'>01/31/2023</entry>
    </bios>
    <system>
      <entry name='manufacturer'>Acme</entry>
      <entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry>
      <entry name='family'>Virt</entry>
    </system>
    <oemStrings>
      <entry>one</entry>
      <entry>two</entry>
    </oemStrings>
  </sysinfo>
  <sysinfo type='fwcfg'>
    <entry name='opt/com.example/a' file='/tmp/a.ign'/>
    <entry name='opt/com.example/b'>value</entry>
  </sysinfo>
  <os>
`);
  });

  it('prints <os> in libvirt order: firmware, loader, nvram, kernel, acpi, boot, menu, bios, smbios', () => {
    const out = canonical(minimal('', {
      os: `  <os firmware='efi'>
    <smbios mode='sysinfo'/>
    <bios useserial='yes' rebootTimeout='0'/>
    <bootmenu enable='no' timeout='3000'/>
    <boot dev='network'/>
    <boot dev='cdrom'/>
    <acpi><table type='slic'>/var/lib/slic.dat</table></acpi>
    <cmdline>console=ttyS0 root=/dev/vda</cmdline>
    <initrd>/boot/initrd</initrd>
    <kernel>/boot/vmlinuz</kernel>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/nvram/vm1_VARS.fd</nvram>
    <loader readonly='yes' type='pflash' secure='yes'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    <firmware><feature enabled='yes' name='secure-boot'/></firmware>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>`,
    }));
    expect(section(out, 'os')).toBe(`  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware>
      <feature enabled='yes' name='secure-boot'/>
    </firmware>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/nvram/vm1_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd</initrd>
    <cmdline>console=ttyS0 root=/dev/vda</cmdline>
    <acpi>
      <table type='slic'>/var/lib/slic.dat</table>
    </acpi>
    <boot dev='network'/>
    <boot dev='cdrom'/>
    <bootmenu enable='no'/>
    <bios useserial='yes' rebootTimeout='0'/>
    <smbios mode='sysinfo'/>
  </os>
`);
  });

  it('prints a network NVRAM store with its storage source', () => {
    const out = canonical(minimal('', {
      os: `  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram type='network'><source protocol='nbd' name='vars'><host name='example.org' port='6000'/></source></nvram>
  </os>`,
    }));
    expect(section(out, 'os')).toContain(`    <nvram type='network'>
      <source protocol='nbd' name='vars'>
        <host name='example.org' port='6000'/>
      </source>
    </nvram>
`);
  });

  it('prints features in libvirt order with explicit switch states', () => {
    const out = canonical(minimal(`  <features>
    <tcg><tb-cache unit='MiB'>100</tb-cache></tcg>
    <vmcoreinfo/>
    <ioapic driver='qemu'/>
    <smm><tseg>48</tseg></smm>
    <vmport state='off'/>
    <pmu/>
    <pvspinlock state='off'/>
    <kvm><hidden state='on'/><dirty-ring state='on' size='4096'/></kvm>
    <hyperv>
      <vendor_id state='on' value='KVM Hv'/>
      <stimer state='on'><direct state='on'/></stimer>
      <spinlocks state='on' retries='8191'/>
      <relaxed state='on'/>
    </hyperv>
    <hap/>
    <pae/>
    <apic eoi='on'/>
    <acpi/>
  </features>`));
    expect(section(out, 'features')).toBe(`  <features>
    <acpi/>
    <apic eoi='on'/>
    <pae/>
    <hap state='on'/>
    <hyperv mode='custom'>
      <relaxed state='on'/>
      <spinlocks state='on' retries='8191'/>
      <stimer state='on'>
        <direct state='on'/>
      </stimer>
      <vendor_id state='on' value='KVM Hv'/>
    </hyperv>
    <kvm>
      <hidden state='on'/>
      <dirty-ring state='on' size='4096'/>
    </kvm>
    <pvspinlock state='off'/>
    <pmu state='on'/>
    <vmport state='off'/>
    <smm state='on'>
      <tseg unit='MiB'>48</tseg>
    </smm>
    <ioapic driver='qemu'/>
    <vmcoreinfo state='on'/>
    <tcg>
      <tb-cache unit='KiB'>102400</tb-cache>
    </tcg>
  </features>
`);
  });

  it('prints Hyper-V passthrough open and closed, as libvirt does', () => {
    const out = canonical(minimal("  <features><hyperv mode='passthrough'/></features>"));
    expect(section(out, 'features')).toBe("  <features>\n    <hyperv mode='passthrough'>\n    </hyperv>\n  </features>\n");
  });

  it('completes a custom CPU model and the NUMA cells', () => {
    const out = canonical(`<domain type='kvm'>
  <name>vm1</name>
  <vcpu>4</vcpu>
  <os><type>hvm</type></os>
  <cpu>
    <numa>
      <cell id='1' cpus='2-3' memory='1' unit='GiB' memAccess='shared'>
        <distances><sibling id='0' value='21'/></distances>
      </cell>
      <cell id='0' cpus='0-1' memory='512' unit='MiB' discard='yes'/>
    </numa>
    <feature name='vmx'/>
    <feature policy='disable' name='svm'/>
    <topology sockets='1' cores='2' threads='2'/>
    <vendor>Intel</vendor>
    <model>Skylake-Client</model>
  </cpu>
</domain>`);
    expect(section(out, 'memory')).toBe("  <memory unit='KiB'>1572864</memory>\n");
    expect(section(out, 'cpu')).toBe(`  <cpu mode='custom' match='exact'>
    <model fallback='allow'>Skylake-Client</model>
    <vendor>Intel</vendor>
    <topology sockets='1' dies='1' cores='2' threads='2'/>
    <feature policy='require' name='vmx'/>
    <feature policy='disable' name='svm'/>
    <numa>
      <cell id='0' cpus='0-1' memory='524288' unit='KiB' discard='yes'>
        <distances>
          <sibling id='0' value='10'/>
          <sibling id='1' value='21'/>
        </distances>
      </cell>
      <cell id='1' cpus='2-3' memory='1048576' unit='KiB' memAccess='shared'>
        <distances>
          <sibling id='0' value='21'/>
          <sibling id='1' value='10'/>
        </distances>
      </cell>
    </numa>
  </cpu>
`);
  });

  it('prints host CPU modes without meaningless model and match, and omits an empty <cpu>', () => {
    expect(section(canonical(minimal("  <cpu mode='host-model'><model fallback='allow'/></cpu>")), 'cpu')).toBe("  <cpu mode='host-model'/>\n");
    expect(section(canonical(minimal(`  <cpu mode='host-passthrough' migratable='on'>
    <cache mode='passthrough'/>
    <maxphysaddr mode='passthrough'/>
  </cpu>`)), 'cpu')).toBe(`  <cpu mode='host-passthrough' migratable='on'>
    <cache mode='passthrough'/>
    <maxphysaddr mode='passthrough'/>
  </cpu>
`);
    expect(section(canonical(minimal('  <cpu>\n  </cpu>')), 'cpu')).toBe('');
  });

  it('prints the HMAT caches and interconnects of NUMA cells', () => {
    const out = canonical(minimal(`  <vcpu>2</vcpu>
  <cpu>
    <numa>
      <cell id='0' cpus='0-1' memory='1048576'>
        <cache level='1' associativity='direct' policy='writeback'>
          <line value='64' unit='B'/>
          <size value='1' unit='MiB'/>
        </cache>
      </cell>
      <interconnects>
        <bandwidth initiator='0' target='0' type='access' value='200' unit='MiB'/>
        <latency initiator='0' target='0' cache='1' type='read' value='5'/>
      </interconnects>
    </numa>
  </cpu>`));
    expect(section(out, 'cpu')).toBe(`  <cpu>
    <numa>
      <cell id='0' cpus='0-1' memory='1048576' unit='KiB'>
        <cache level='1' associativity='direct' policy='writeback'>
          <size value='1024' unit='KiB'/>
          <line value='64' unit='B'/>
        </cache>
      </cell>
      <interconnects>
        <latency initiator='0' target='0' cache='1' type='read' value='5'/>
        <bandwidth initiator='0' target='0' type='access' value='204800' unit='KiB'/>
      </interconnects>
    </numa>
  </cpu>
`);
  });

  it('turns a numeric utc adjustment into a variable clock and prints timers', () => {
    const out = canonical(minimal(`  <clock offset='localtime' adjustment='+3600'>
    <timer name='tsc' frequency='1000000000' mode='native'/>
    <timer name='rtc' tickpolicy='catchup' track='guest'><catchup threshold='123' slew='120' limit='10000'/></timer>
    <timer name='hpet' present='no'/>
  </clock>`));
    expect(section(out, 'clock')).toBe(`  <clock offset='variable' adjustment='3600' basis='localtime'>
    <timer name='tsc' frequency='1000000000' mode='native'/>
    <timer name='rtc' tickpolicy='catchup' track='guest'>
      <catchup threshold='123' slew='120' limit='10000'/>
    </timer>
    <timer name='hpet' present='no'/>
  </clock>
`);
    expect(section(canonical(minimal("  <clock offset='utc' adjustment='reset'/>")), 'clock')).toBe("  <clock offset='utc' adjustment='reset'/>\n");
    expect(section(canonical(minimal("  <clock offset='variable'/>")), 'clock')).toBe("  <clock offset='variable' adjustment='0' basis='utc'/>\n");
    expect(section(canonical(minimal("  <clock offset='timezone' timezone='Europe/Paris'/>")), 'clock')).toBe("  <clock offset='timezone' timezone='Europe/Paris'/>\n");
  });

  it('prints lifecycle actions, pm and perf events (in libvirt order)', () => {
    const out = canonical(minimal(`  <perf><event name='instructions' enabled='no'/><event name='cmt' enabled='yes'/></perf>
  <pm><suspend-to-disk enabled='no'/><suspend-to-mem enabled='yes'/></pm>
  <on_lockfailure>pause</on_lockfailure>
  <on_reboot>destroy</on_reboot>`));
    expect(out.split('\n').slice(11).join('\n')).toBe(`  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <on_lockfailure>pause</on_lockfailure>
  <pm>
    <suspend-to-mem enabled='yes'/>
    <suspend-to-disk enabled='no'/>
  </pm>
  <perf>
    <event name='cmt' enabled='yes'/>
    <event name='instructions' enabled='no'/>
  </perf>
</domain>
`);
  });

  it('prints security labels, key wrapping and launch security after the devices', () => {
    const out = canonical(minimal(`  <launchSecurity type='sev' kernelHashes='yes'>
    <session>SESSION</session>
    <policy>0x1</policy>
    <cbitpos>47</cbitpos>
    <reducedPhysBits>1</reducedPhysBits>
  </launchSecurity>
  <keywrap><cipher name='aes' state='off'/></keywrap>
  <seclabel type='static' model='selinux'><label>system_u:system_r:svirt_t:s0:c1,c2</label></seclabel>
  <seclabel model='dac'><baselabel>+107:+107</baselabel></seclabel>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>`));
    expect(out.split('\n').slice(14).join('\n')).toBe(`  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
  <seclabel type='static' model='selinux' relabel='no'>
    <label>system_u:system_r:svirt_t:s0:c1,c2</label>
  </seclabel>
  <seclabel type='dynamic' model='dac' relabel='yes'>
    <baselabel>+107:+107</baselabel>
  </seclabel>
  <keywrap>
    <cipher name='aes' state='off'/>
  </keywrap>
  <launchSecurity type='sev' kernelHashes='yes'>
    <cbitpos>47</cbitpos>
    <reducedPhysBits>1</reducedPhysBits>
    <policy>0x0001</policy>
    <session>SESSION</session>
  </launchSecurity>
</domain>
`);
    expect(section(canonical(minimal("  <seclabel type='none'/>")), 'seclabel')).toBe("  <seclabel type='none' model='none'/>\n");
  });

  it('declares the qemu namespace on <domain> when its elements are used, whatever prefix the input used', () => {
    const xml = `<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm1</name>
  <memory>1048576</memory>
  <os><type>hvm</type></os>
  <q:deprecation behavior='reject'/>
  <q:override>
    <q:device alias='ua-disk'>
      <q:frontend><q:property name='serial' type='string' value='ABC'/><q:property name='x' type='remove'/></q:frontend>
    </q:device>
  </q:override>
  <q:capabilities><q:del capability='name'/><q:add capability='blockdev'/></q:capabilities>
  <q:commandline><q:env name='FOO' value='bar'/><q:arg value='-no-hpet'/></q:commandline>
</domain>`;
    const out = canonical(xml);
    expect(out.split('\n')[0]).toBe("<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>");
    expect(out.split('\n').slice(13).join('\n')).toBe(`  <qemu:commandline>
    <qemu:arg value='-no-hpet'/>
    <qemu:env name='FOO' value='bar'/>
  </qemu:commandline>
  <qemu:capabilities>
    <qemu:add capability='blockdev'/>
    <qemu:del capability='name'/>
  </qemu:capabilities>
  <qemu:override>
    <qemu:device alias='ua-disk'>
      <qemu:frontend>
        <qemu:property name='serial' type='string' value='ABC'/>
        <qemu:property name='x' type='remove'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
  <qemu:deprecation behavior='reject'/>
</domain>
`);
    expect(canonical(minimal()).split('\n')[0]).toBe("<domain type='kvm'>");
  });

  it('prints idmap, bootloader and the container init settings', () => {
    const out = canonical(`<domain type='lxc'>
  <name>ct1</name>
  <memory>524288</memory>
  <idmap><gid start='0' target='1000' count='10'/><uid start='0' target='1000' count='10'/></idmap>
  <os>
    <type>exe</type>
    <initenv name='HOME'>/root</initenv>
    <initarg>--verbose</initarg>
    <init>/sbin/init</init>
    <initdir>/srv</initdir>
  </os>
</domain>`);
    expect(out.split('\n').slice(5, 17).join('\n')).toBe(`  <os>
    <type>exe</type>
    <init>/sbin/init</init>
    <initarg>--verbose</initarg>
    <initenv name='HOME'>/root</initenv>
    <initdir>/srv</initdir>
  </os>
  <idmap>
    <uid start='0' target='1000' count='10'/>
    <gid start='0' target='1000' count='10'/>
  </idmap>
  <clock offset='utc'/>`);
  });
});
