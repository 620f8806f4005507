module flux-push.sandbox/toolchain/notification-controller

go 1.26
