// NexusRouting: the route table (host, path, method) built from rules and resolved per request.
//
// Pure: no I/O and no Foundation. `Router` is the entry point; its doc comment states which rule answers a request.
// The request path borrows the caller's bytes (`UnsafeRawBufferPointer`s lent for the duration of `resolve`, never
// kept) and allocates nothing unless the matched template has parameters.
