import { createImageArgv, parseImageInfo, preallocationFor, resizeImageArgv, infoImageArgv, convertImageArgv } from '../../../../provider/executor/storage';

describe('qemu-img argv', () => {
  it('creates raw and qcow2 images with the format always given', () => {
    expect(createImageArgv({ path: '/p/a.img', format: 'raw', capacity: 1048576 })).toEqual(['qemu-img', 'create', '-q', '-f', 'raw', '/p/a.img', '1048576']);
    expect(createImageArgv({ path: '/p/a.img', format: 'raw', capacity: 1048576, allocation: 1048576 })).toEqual(['qemu-img', 'create', '-q', '-f', 'raw', '-o', 'preallocation=falloc', '/p/a.img', '1048576']);
    expect(
      createImageArgv({ path: '/p/b.qcow2', format: 'qcow2', capacity: 10737418240, allocation: 65536, backing: { path: '/p/base.qcow2', format: 'qcow2' }, compat: '1.1', clusterSize: 131072, lazyRefcounts: true, extendedL2: true }),
    ).toEqual(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', '/p/base.qcow2', '-F', 'qcow2', '-o', 'preallocation=metadata,compat=1.1,cluster_size=131072,lazy_refcounts=on,extended_l2=on', '/p/b.qcow2', '10737418240']);
  });
  it('refuses what qemu-img would misread', () => {
    expect(() => createImageArgv({ path: '/p/a', format: 'qcow2', capacity: 1, compat: '1.1,data_file=/etc/shadow' })).toThrow("qcow2 compat '1.1,data_file=/etc/shadow' must be a version such as 1.1");
    expect(() => createImageArgv({ path: '/p/a', format: 'raw', capacity: 1, backing: { path: '/p/b', format: 'raw' } })).toThrow('a raw image cannot have a backing file; use qcow2');
    expect(() => createImageArgv({ path: '/p/a', format: 'raw', capacity: 1.5 })).toThrow('capacity 1.5 must be a whole number of bytes');
  });
  it('chooses preallocation from allocation and capacity', () => {
    expect(preallocationFor('raw', 100, undefined)).toBe('off');
    expect(preallocationFor('raw', 100, 0)).toBe('off');
    expect(preallocationFor('raw', 100, 50)).toBe('partial');
    expect(preallocationFor('qcow2', 100, 50)).toBe('metadata');
    expect(preallocationFor('qcow2', 100, 100)).toBe('falloc');
    expect(preallocationFor('raw', 100, 200)).toBe('falloc');
  });
  it('resizes, converts and reads info', () => {
    expect(resizeImageArgv('/p/a', 'qcow2', 2048, false)).toEqual(['qemu-img', 'resize', '-q', '-f', 'qcow2', '/p/a', '2048']);
    expect(resizeImageArgv('/p/a', 'raw', 1024, true)).toEqual(['qemu-img', 'resize', '-q', '-f', 'raw', '--shrink', '/p/a', '1024']);
    expect(infoImageArgv('/p/a')).toEqual(['qemu-img', 'info', '-U', '--output=json', '/p/a']);
    expect(infoImageArgv('/p/a', 'raw')).toEqual(['qemu-img', 'info', '-U', '--output=json', '-f', 'raw', '/p/a']);
    expect(convertImageArgv('/p/a', 'qcow2', '/p/b', 'raw')).toEqual(['qemu-img', 'convert', '-q', '-f', 'qcow2', '-O', 'raw', '/p/a', '/p/b']);
  });
  it('parses qemu-img info JSON', () => {
    const json = JSON.stringify({
      'virtual-size': 2097152, filename: '/p/b.qcow2', 'cluster-size': 65536, format: 'qcow2', 'actual-size': 200704,
      'format-specific': { type: 'qcow2', data: { compat: '1.1', 'data-file': '/dev/sda', 'lazy-refcounts': false } },
      'full-backing-filename': '/p/base.raw', 'backing-filename': 'base.raw', 'backing-filename-format': 'raw', 'dirty-flag': false,
    });
    expect(parseImageInfo(json, 'b')).toEqual({
      format: 'qcow2', virtualSize: 2097152, actualSize: 200704, clusterSize: 65536, backingFilename: 'base.raw', fullBackingFilename: '/p/base.raw',
      backingFormat: 'raw', compat: '1.1', dataFile: '/dev/sda', dirty: false,
    });
    expect(() => parseImageInfo('qemu-img: error', '/p/x')).toThrow('qemu-img info for /p/x did not print JSON: "qemu-img: error"');
  });
});
