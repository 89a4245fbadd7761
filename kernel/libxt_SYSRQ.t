:INPUT
-p udp -j SYSRQ;=;OK
-p udp -m udp --dport 9 -j SYSRQ;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys bsu;=;OK
-p udp -j SYSRQ --sysrq-keys usbsu;-p udp -j SYSRQ --sysrq-keys bsu;OK
-p udp -j SYSRQ --sysrq-keys '!b';-p udp -j SYSRQ --sysrq-keys "!b";OK
-p udp -j SYSRQ --sysrq-keys '\"#';-p udp -j SYSRQ --sysrq-keys "\"#\\";OK
-p udp -j SYSRQ --sysrq-legacy;=;OK
-p udp -j SYSRQ --sysrq-no-ack;=;OK
-p udp -j SYSRQ --sysrq-keys 0bs --sysrq-legacy --sysrq-no-ack;=;OK
-p udp -j SYSRQ --sysrq-no-ack --sysrq-legacy;-p udp -j SYSRQ --sysrq-legacy --sysrq-no-ack;OK
-p udp -j SYSRQ --sysrq-keys '';;FAIL
-p udp -j SYSRQ --sysrq-keys 'b s';;FAIL
-p udp -j SYSRQ --sysrq-keys b --sysrq-keys s;;FAIL
-p udp -j SYSRQ --sysrq-bogus;;FAIL
-p tcp -j SYSRQ;;FAIL
! -p udp -j SYSRQ;;FAIL
-j SYSRQ;;FAIL
