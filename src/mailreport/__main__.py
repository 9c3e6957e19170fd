from mailreport.cli import app

app(prog_name="mailreport")
