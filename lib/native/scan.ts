// Native surface: the scan kernel family (native/src/bind/scan.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ScanNative {}
