"""Writes pipes_amd64.s and loops.go: loops that repeat an AVX2 instruction
mix, to find which instructions share execution pipes on this core and what
bounds the kernels' loops in the first-level cache (see README.md).

Each mix is repeated 16 times per loop iteration. Destinations rotate so
that nothing waits on a result: plain ops write Y6/Y7 (never read), FMAs add
into eight sums Y8..Y15 (latency 4, so eight chains keep two pipes busy).
Memory operands read a hot 1 KiB buffer at SI; stores write at DI = SI+1024.
"""

REPS = 16

OPS = {
    "cvtps2pd_m128": "VCVTPS2PD {o}(SI), {d}",
    "cvtps2pd_xmm": "VCVTPS2PD X1, {d}",
    "cmppd": "VCMPPD $0x1e, Y0, Y1, {d}",
    "cmpps": "VCMPPS $0x1e, Y0, Y1, {d}",
    "minpd": "VMINPD Y1, Y0, {d}",
    "andnpd": "VANDNPD Y1, Y2, {d}",
    "fma": "VFMADD231PD Y1, Y2, {a}",
    "mulps": "VMULPS Y1, Y2, {d}",
    "blendvps": "VBLENDVPS Y3, Y1, Y2, {d}",
    "extractf128": "VEXTRACTF128 $1, Y1, {dx}",
    "pmovsxdq": "VPMOVSXDQ X1, {d}",
    "permps": "VPERMPS Y1, Y2, {d}",
    "load256": "VMOVUPS {o}(SI), {d}",
    "store256": "VMOVUPS Y1, {o}(DI)",
    "addq": "ADDQ $1, R{r}",
}

# Single instructions, then pairs (and a few triples): a pair that runs at
# the sum of its parts' times shares their pipes; one that runs at the
# slower part's time does not.
MIXES = [[op] for op in OPS if op != "addq"]
for a in ["fma", "cvtps2pd_m128", "mulps", "cmppd"]:
    for b in ["fma", "cvtps2pd_m128", "cmppd", "cmpps", "minpd", "andnpd", "mulps", "blendvps", "load256", "store256"]:
        if a != b and [b, a] not in MIXES:
            MIXES.append([a, b])
MIXES += [
    ["blendvps", "store256"], ["andnpd", "store256"],
    ["blendvps", "blendvps", "store256"], ["mulps", "mulps", "store256"],
    ["mulps", "cmppd", "andnpd"], ["mulps", "cmppd", "load256"], ["mulps", "cmppd", "addq"],
    # The SmallPlanes kernels' permute, beside each op of a forward step.
    ["permps", "cmpps"], ["permps", "mulps"], ["permps", "blendvps"], ["permps", "andnpd"],
    ["permps", "store256"],
]


def vector(part, k):
    """The instructions of one vector of 8 float32 (the k-th of four in an
    iteration) of a kernel's steady state: x at SI, dy at SI+512, dx or y at
    DI, alpha in Y5, zero in Y0, float64 sums in Y1..Y4, as generated."""
    o = 32 * k
    acc = ["Y1", "Y2", "Y3", "Y4"][(2 * k) % 4], ["Y1", "Y2", "Y3", "Y4"][(2 * k + 1) % 4]
    out = []
    if part == "sums-loads":  # a wrong kernel: plain loads for the conversions
        for h in range(2):
            out += [f"VMOVUPD {o+16*h}(SI), Y6", f"VMOVUPD {512+o+16*h}(SI), Y7",
                    "VCMPPD $0x1e, Y0, Y6, Y8", "VANDNPD Y6, Y8, Y6", "VANDNPD Y7, Y8, Y7",
                    f"VFMADD231PD Y7, Y6, {acc[h]}"]
    elif part in ("sums-min", "sums-andn"):
        # The slope gradient as the AVX2 kernels make it: each half widened
        # from memory, compared in float64, both factors cleared where x > 0.
        for h in range(2):
            clear_x = "VMINPD Y6, Y0, Y6" if part == "sums-min" else "VANDNPD Y6, Y8, Y6"
            out += [f"VCVTPS2PD {o+16*h}(SI), Y6", f"VCVTPS2PD {512+o+16*h}(SI), Y7",
                    "VCMPPD $0x1e, Y0, Y6, Y8", clear_x, "VANDNPD Y7, Y8, Y7",
                    f"VFMADD231PD Y7, Y6, {acc[h]}"]
    elif part == "dx":
        out += [f"VMOVUPS {o}(SI), Y6", f"VMOVUPS {512+o}(SI), Y7", "VCMPPS $0x1e, Y0, Y6, Y6",
                "VMULPS Y5, Y7, Y8", "VBLENDVPS Y6, Y7, Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "via-a-store":
        # dx, then both factors cleared in float32, stored to a line and
        # widened from it (the loads forwarded from the stores).
        line = 256 + 64 * (k % 2)
        out += [f"VMOVUPS {o}(SI), Y6", f"VMOVUPS {512+o}(SI), Y7", "VCMPPS $0x1e, Y0, Y6, Y9",
                "VMULPS Y5, Y7, Y8", "VBLENDVPS Y9, Y7, Y8, Y8", f"VMOVUPS Y8, {o}(DI)",
                "VANDNPS Y6, Y9, Y6", "VANDNPS Y7, Y9, Y7", f"VMOVUPS Y6, {line}(DI)", f"VMOVUPS Y7, {line+32}(DI)"]
        for h in range(2):
            out += [f"VCVTPS2PD {line+16*h}(DI), Y10", f"VCVTPS2PD {line+32+16*h}(DI), Y11",
                    f"VFMADD231PD Y11, Y10, {acc[h]}"]
    elif part == "dx-memory-operands":
        out += [f"VCMPPS $0x11, {o}(SI), Y0, Y6", f"VMULPS {512+o}(SI), Y5, Y8",
                f"VBLENDVPS Y6, {512+o}(SI), Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "forward":
        out += [f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7",
                "VMULPS Y5, Y6, Y8", "VBLENDVPS Y7, Y6, Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "forward-unstored":
        out += [f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7",
                "VMULPS Y5, Y6, Y8", "VBLENDVPS Y7, Y6, Y8, Y8"]
    elif part == "forward-and-for-blend":  # a wrong kernel: the blend's cost
        out += [f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7",
                "VMULPS Y5, Y6, Y8", "VANDPS Y7, Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "forward-scaled":
        # y = x * (alpha ^ ((alpha ^ 1) & (x > 0))): x * 1 is x, exactly,
        # for every x > 0; Y3 holds alpha ^ 1.0.
        out += [f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7", "VANDPS Y3, Y7, Y7",
                "VXORPS Y5, Y7, Y7", "VMULPS Y7, Y6, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "forward-logic":
        # y = (x & (x > 0)) | (alpha*x &^ (x > 0))
        out += [f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7", "VMULPS Y5, Y6, Y8",
                "VANDPS Y7, Y6, Y9", "VANDNPS Y8, Y7, Y8", "VORPS Y9, Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "smallplanes":
        # The SmallPlanes forward step: the slopes permuted into place from
        # a block's (Y5, by the indices in Y4), then the forward step.
        out += ["VPERMPS Y5, Y4, Y9", f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7",
                "VMULPS Y9, Y6, Y8", "VBLENDVPS Y7, Y6, Y8, Y8", f"VMOVUPS Y8, {o}(DI)"]
    elif part == "smallplanes-logic":
        out += ["VPERMPS Y5, Y4, Y9", f"VMOVUPS {o}(SI), Y6", "VCMPPS $0x1e, Y0, Y6, Y7",
                "VMULPS Y9, Y6, Y8", "VANDPS Y7, Y6, Y10", "VANDNPS Y8, Y7, Y8", "VORPS Y10, Y8, Y8",
                f"VMOVUPS Y8, {o}(DI)"]
    elif part == "copy":
        out += [f"VMOVUPS {o}(SI), Y6", f"VMOVUPS Y6, {o}(DI)"]
    else:
        raise ValueError(part)
    return out


def vector512(part, k):
    """The instructions of one vector of 16 float32 (the k-th of four) of an
    AVX-512 kernel's steady state, as generated: x at SI, dy at SI+512,
    slopes at SI+768, the output at DI, alpha in Z5, zero in Z0, float64
    sums in Z16..Z23."""
    o = 64 * k
    if part == "copy":
        return [f"VMOVUPS {o}(SI), Z6", f"VMOVUPS Z6, {o}(DI)"]
    if part == "two-loads-store":
        return [f"VMOVUPS {o}(SI), Z6", f"VMOVUPS {768+o}(SI), Z7", f"VMOVUPS Z6, {o}(DI)"]
    if part == "forward":
        return [f"VMOVUPS {o}(SI), Z6", "VCMPPS $0x1a, Z0, Z6, K1", "VMULPS Z5, Z6, K1, Z6", f"VMOVUPS Z6, {o}(DI)"]
    if part == "pattern":
        return [f"VMOVUPS {o}(SI), Z6", "VCMPPS $0x1a, Z0, Z6, K1", f"VMULPS {768+o}(SI), Z6, K1, Z6",
                f"VMOVUPS Z6, {o}(DI)"]
    if part == "dx":
        return [f"VMOVUPS {o}(SI), Z6", "VCMPPS $0x1a, Z0, Z6, K1", f"VMOVUPS {512+o}(SI), Z7",
                "VMULPS Z5, Z7, K1, Z7", f"VMOVUPS Z7, {o}(DI)"]
    if part == "sums":
        out = [f"VMOVUPS {o}(SI), Z6", "VCMPPS $0x1a, Z0, Z6, K2"]
        for h in range(2):
            if h == 1:
                out.append("KSHIFTRW $8, K2, K2")
            out += [f"VCVTPS2PD {o+32*h}(SI), Z8", f"VCVTPS2PD {512+o+32*h}(SI), Z9",
                    f"VFMADD231PD Z9, Z8, K2, Z{16 + (2*k + h) % 8}"]
        return out
    raise ValueError(part)


# The AVX-512 kernels' steady states, run where the CPU has AVX-512F.
KERNELS512 = {
    "avx512 copy (64-byte load and store)": ["copy"],
    "avx512 two loads and a store": ["two-loads-store"],
    "avx512 forward": ["forward"],
    "avx512 forward, slopes loaded (pattern)": ["pattern"],
    "avx512 dx-only": ["dx"],
    "avx512 dalpha-only": ["sums"],
    "avx512 fused backward": ["sums", "dx"],
}

KERNELS = {
    "copy": ["copy"],
    "forward": ["forward"],
    "forward, unstored": ["forward-unstored"],
    "forward, VANDPS for the blend": ["forward-and-for-blend"],
    "forward, x times a blended factor": ["forward-scaled"],
    "forward, blended by logic ops": ["forward-logic"],
    "SmallPlanes forward": ["smallplanes"],
    "SmallPlanes forward, blended by logic ops": ["smallplanes-logic"],
    "dx-only": ["dx"],
    "dx-only, memory operands": ["dx-memory-operands"],
    "dalpha-only, VMINPD (before 991c3af)": ["sums-min"],
    "dalpha-only, VANDNPD (now)": ["sums-andn"],
    "fused, VMINPD (before 991c3af)": ["sums-min", "dx"],
    "fused, VANDNPD (now)": ["sums-andn", "dx"],
    "fused, VANDNPD, dx memory operands": ["sums-andn", "dx-memory-operands"],
    "fused, cleared in float32, via a store": ["via-a-store"],
    "fused, loads for conversions (wrong)": ["sums-loads", "dx"],
    "dalpha-only, loads for conversions (wrong)": ["sums-loads"],
}


def ident(name):
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


asm = ["// Code generated by gen.py. DO NOT EDIT.", "", '#include "textflag.h"', ""]
table = []
fns = []


def emit(name, body, per, unit):
    global asm
    fn = "loop_" + ident(name)
    asm += [f"// func {fn}(n int, p *float32)", f"TEXT ·{fn}(SB), NOSPLIT, $0-16",
            "\tMOVQ n+0(FP), CX", "\tMOVQ p+8(FP), SI", "\tLEAQ 1024(SI), DI", "\tVXORPS Y0, Y0, Y0"]
    asm += [f"\tVMOVUPS {32*r}(SI), Y{r}" for r in range(1, 6)]
    # Y3 = alpha ^ 1.0 for the forward that scales x by a blended factor
    asm += ["\tMOVL $0x3f800000, AX", "\tMOVQ AX, X3", "\tVBROADCASTSS X3, Y3", "\tVXORPS Y5, Y3, Y3"]
    asm += ["loop:"] + ["\t" + line for line in body] + ["\tDECQ CX", "\tJNZ loop", "\tVZEROUPPER", "\tRET", ""]
    table.append(f'\t{{"{name}", {per}, "{unit}", {fn}, false}},')
    fns.append(fn)


def emit512(name, body):
    global asm
    fn = "loop_" + ident(name)
    asm += [f"// func {fn}(n int, p *float32)", f"TEXT ·{fn}(SB), NOSPLIT, $0-16",
            "\tMOVQ n+0(FP), CX", "\tMOVQ p+8(FP), SI", "\tLEAQ 1024(SI), DI", "\tVXORPS Z0, Z0, Z0",
            "\tVBROADCASTSS (SI), Z5"]
    asm += ["loop:"] + ["\t" + line for line in body] + ["\tDECQ CX", "\tJNZ loop", "\tVZEROUPPER", "\tRET", ""]
    table.append(f'\t{{"{name}", 4, "16 f32", {fn}, true}},')
    fns.append(fn)


emit("calibration", ["ADDQ $1, AX"] * 16, 16, "add")  # 16 dependent adds: 16 cycles
for mix in MIXES:
    body = []
    for i in range(REPS):
        for j, op in enumerate(mix):
            k = i * len(mix) + j
            body.append(OPS[op].format(d=f"Y{6 + k % 2}", dx=f"X{6 + k % 2}", a=f"Y{8 + i % 8}",
                                       o=32 * (k % 16), r=8 + i % 8))
    emit("+".join(mix), body, REPS * len(mix), "instr")
for name, parts in KERNELS.items():
    emit(name, [line for k in range(4) for part in parts for line in vector(part, k)], 4, "8 f32")
for name, parts in KERNELS512.items():
    emit512(name, [line for k in range(4) for part in parts for line in vector512(part, k)])

go = ["// Code generated by gen.py. DO NOT EDIT.", "", "package main", ""]
for fn in fns:
    go += [f"//go:noescape\nfunc {fn}(n int, p *float32)", ""]
go += ["var loops = []loop{"] + table + ["}"]
open("pipes_amd64.s", "w").write("\n".join(asm) + "\n")
open("loops.go", "w").write("\n".join(go) + "\n")
