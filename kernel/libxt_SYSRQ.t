:INPUT
# A fourth field names the only iptables variant a line holds for: without
# --dport, iptables-legacy refuses the rule (the kernel sees its matches);
# iptables-nft cannot show them to the target, which then passes on every
# packet that is not netsysrq's (docs/PROTOCOL.md, "Packets that are not ours").
-p udp -j SYSRQ;;FAIL;LEGACY
-p udp -j SYSRQ;=;OK;NFT
-p udp -m udp --sport 9 -j SYSRQ;;FAIL;LEGACY
-p udp -m udp ! --dport 53 -j SYSRQ;;FAIL;LEGACY
-p udp -m udp --dport 9 -j SYSRQ;=;OK
-p udp -m udp --dport 9:10 -j SYSRQ;=;OK
-p udp -m multiport --dports 9,10 -j SYSRQ;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys bsu;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys usbsu;-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys bsu;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys '!b';-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys "!b";OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys '\"#';-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys "\"#\\";OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-legacy;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-no-ack;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys 0bs --sysrq-legacy --sysrq-no-ack;=;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-no-ack --sysrq-legacy;-p udp -m udp --dport 9 -j SYSRQ --sysrq-legacy --sysrq-no-ack;OK
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys '';;FAIL
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys 'b s';;FAIL
-p udp -m udp --dport 9 -j SYSRQ --sysrq-keys b --sysrq-keys s;;FAIL
-p udp -m udp --dport 9 -j SYSRQ --sysrq-bogus;;FAIL
-p tcp -m tcp --dport 9 -j SYSRQ;;FAIL
! -p udp -j SYSRQ;;FAIL
-j SYSRQ;;FAIL
# The nat table sees only a flow's first packet: refused by both variants.
-t nat -p udp -m udp --dport 9 -j SYSRQ;;FAIL
