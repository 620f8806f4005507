module flux-push.sandbox/toolchain/pulumi

go 1.26
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
