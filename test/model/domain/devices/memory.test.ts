import { MemoryDevice, validateMemoryDevice } from '../../../../model/domain/devices/memory';
import { parseDevice, roundTrip, brief } from './device-xml';

describe('<memory> devices', () => {
  it('prints a dimm with nodemask before pagesize, sizes in KiB and the dimm address', () => {
    expect(
      roundTrip(MemoryDevice, 'memory', `<memory discard='no' model='dimm' access='private'>
  <address type='dimm' slot='0' base='0x100000000'/>
  <target>
    <node>0</node>
    <size unit='GiB'>1</size>
  </target>
  <source>
    <pagesize unit='MiB'>2</pagesize>
    <nodemask>3,1-2</nodemask>
  </source>
</memory>`),
    ).toBe(`<memory model='dimm' access='private' discard='no'>
  <source>
    <nodemask>1-3</nodemask>
    <pagesize unit='KiB'>2048</pagesize>
  </source>
  <target>
    <size unit='KiB'>1048576</size>
    <node>0</node>
  </target>
  <address type='dimm' slot='0' base='0x100000000'/>
</memory>
`);
  });

  it('keeps nvdimm path, alignsize, pmem, label and readonly', () => {
    const xml = `<memory model='nvdimm' access='private'>
  <uuid>49545eb3-75e1-2d0a-acdd-f0294406c99e</uuid>
  <source>
    <path>/tmp/nvdimm</path>
    <alignsize unit='KiB'>2048</alignsize>
    <pmem/>
  </source>
  <target>
    <size unit='KiB'>523264</size>
    <node>0</node>
    <label>
      <size unit='KiB'>128</size>
    </label>
    <readonly/>
  </target>
  <address type='dimm' slot='0'/>
</memory>
`;
    expect(roundTrip(MemoryDevice, 'memory', xml)).toBe(xml);
    expect(validateMemoryDevice(parseDevice(MemoryDevice, xml), { arch: 'ppc64' })).toEqual([]);
    expect(validateMemoryDevice(parseDevice(MemoryDevice, xml), { arch: 'x86_64' }).map((i) => i.problem)).toEqual([
      'UUID is not supported for NVDIMM device',
    ]);
  });

  it('keeps virtio-mem block, requested and current', () => {
    const xml = `<memory model='virtio-mem'>
  <target>
    <size unit='KiB'>2097152</size>
    <node>0</node>
    <block unit='KiB'>2048</block>
    <requested unit='KiB'>1048576</requested>
    <current unit='KiB'>524288</current>
  </target>
  <address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/>
</memory>
`;
    expect(roundTrip(MemoryDevice, 'memory', xml)).toBe(xml);
    expect(validateMemoryDevice(parseDevice(MemoryDevice, xml), { numaNodes: 1 })).toEqual([]);
  });

  it("reports libvirt's per-model rules", () => {
    const problems = (xml: string, numaNodes?: number) =>
      validateMemoryDevice(parseDevice(MemoryDevice, xml), { numaNodes }).map((i) => i.problem);
    expect(problems(`<memory model='nvdimm' discard='yes'><target><size>1024</size></target></memory>`)).toEqual([
      "path is required for model 'nvdimm'",
      'discard is not supported for nvdimms',
    ]);
    expect(problems(`<memory model='virtio-pmem'><source><path>/tmp/p</path></source><target><size>1024</size><node>0</node></target></memory>`)).toEqual([
      'shared access mode required for virtio-pmem device',
      'virtio-pmem does not support NUMA nodes',
    ]);
    expect(problems(`<memory model='virtio-mem'><target><size>4096</size><block>3000</block><requested>8192</requested></target></memory>`)).toEqual([
      'requested size must be smaller than or equal to @size (4096KiB)',
      'block size must be a power of two',
    ]);
    expect(problems(`<memory model='virtio-mem'><target><size>8192</size><block>2048</block><requested>3072</requested></target></memory>`)).toEqual([
      'requested size must be an integer multiple of block size',
    ]);
    expect(problems(`<memory model='dimm'><target><size>1024</size><node>2</node></target></memory>`, 2)).toEqual([
      "can't add memory backend for guest node '2' as the guest has only '2' NUMA nodes configured",
    ]);
    expect(problems(`<memory model='dimm'><source><path>/x</path></source><target><size>1024</size></target></memory>`)).toEqual([
      "<path> is not supported for memory model 'dimm'",
    ]);
    expect(brief(validateMemoryDevice(parseDevice(MemoryDevice, `<memory model='sgx-epc'><target><size>64</size></target>\n<address type='dimm' slot='0'/></memory>`)))).toEqual([
      "2: /memory/address: memory device address is not supported for model 'sgx-epc'",
    ]);
  });

  it('rejects a bad nodemask while parsing', () => {
    expect(() => parseDevice(MemoryDevice, `<memory model='dimm'><source><nodemask>3-1</nodemask></source></memory>`)).toThrow(
      "/memory/source/nodemask: value '3-1' has a descending range '3-1'",
    );
  });
});
