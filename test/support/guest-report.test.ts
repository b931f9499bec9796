import { countCpuList, parseGuestDhcp, parseGuestReport } from './guest-report';

describe('guest report parser', () => {
  it('reads a report out of a console log with CRLF and interleaved kernel messages', () => {
    const log = [
      '[    0.000000] Linux version 6.1.0-56-cloud-amd64',
      'VIRTFORM-GUEST-REPORT-BEGIN',
      'kernel 6.1.0-56-cloud-amd64',
      'uptime_s 3.29',
      'cpus.online 0-1',
      'nodes.online 0-1',
      'node 0 cpulist 0',
      'node 0 memtotal_kib 224180',
      '[    3.100000] virtio_net virtio1 eth0: renamed',
      'node 1 cpulist 1',
      'node 1 memtotal_kib 257452',
      'memtotal_kib 481632',
      'block vda 131072',
      'net eth0 52:54:00:7a:11:01',
      'net lo 00:00:00:00:00:00',
      'error insmod virtio_scsi',
      'VIRTFORM-GUEST-REPORT-END',
      '[    3.614590] reboot: Power down',
    ].join('\r\n');
    expect(parseGuestReport(log)).toEqual({
      kernelRelease: '6.1.0-56-cloud-amd64',
      uptimeSeconds: 3.29,
      cpusOnline: '0-1',
      cpuCount: 2,
      nodesOnline: '0-1',
      nodes: [
        { id: 0, cpulist: '0', memTotalKiB: 224180 },
        { id: 1, cpulist: '1', memTotalKiB: 257452 },
      ],
      memTotalKiB: 481632,
      blockDevices: [{ name: 'vda', sizeBytes: 67108864 }],
      netInterfaces: [
        { name: 'eth0', mac: '52:54:00:7a:11:01' },
        { name: 'lo', mac: '00:00:00:00:00:00' },
      ],
      errors: ['insmod virtio_scsi'],
    });
  });

  it('quotes the console tail when the report is incomplete', () => {
    expect(() => parseGuestReport('Kernel panic - not syncing: No working init found.\nVIRTFORM-GUEST-REPORT-BEGIN\n')).toThrow(
      'the guest printed no complete report (VIRTFORM-GUEST-REPORT-BEGIN … VIRTFORM-GUEST-REPORT-END); console tail:\nKernel panic - not syncing: No working init found.',
    );
  });

  it.each([
    ['0', 1],
    ['0-1', 2],
    ['0-3,8,10-11', 7],
    ['', 0],
  ])('counts CPU list %p as %p', (list, n) => {
    expect(countCpuList(list)).toBe(n);
  });

  it('reads the DHCP lease the guest printed after its report', () => {
    const log = [
      'VIRTFORM-GUEST-REPORT-END',
      'VIRTFORM-GUEST-DHCP-BEGIN',
      'udhcpc: started, v1.35.0',
      'dhcp deconfig eth0 ip= subnet= router= dns= mtu= lease= serverid=',
      'udhcpc: broadcasting discover',
      'udhcpc: lease of 10.77.0.50 obtained from 10.77.0.1, lease time 3600',
      'dhcp bound eth0 ip=10.77.0.50 subnet=255.255.255.0 router= dns=10.77.0.1 mtu=1400 lease=3600 serverid=10.77.0.1',
      'VIRTFORM-GUEST-DHCP-END',
    ].join('\r\n');
    expect(parseGuestDhcp(log)).toEqual({
      interface: 'eth0',
      ip: '10.77.0.50',
      subnet: '255.255.255.0',
      dns: '10.77.0.1',
      mtu: 1400,
      leaseSeconds: 3600,
      serverId: '10.77.0.1',
    });
    expect(parseGuestDhcp('VIRTFORM-GUEST-DHCP-BEGIN\ndhcp failed eth0\nVIRTFORM-GUEST-DHCP-END\n')).toBeNull();
    expect(() => parseGuestDhcp('VIRTFORM-GUEST-REPORT-END\n')).toThrow(/no complete DHCP section/);
  });
});
