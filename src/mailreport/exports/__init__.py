"""Exports of customer lists to files (DESIGN.md, "Exports"): which entities and
fields, the CSV and XLSX formats, and writing them slice by slice."""

from mailreport.exports.entities import ENTITIES, ENTITY_NAMES, UnknownFields
from mailreport.exports.export import Export, ExportRequest, export_to_file, file_name
from mailreport.exports.formats import FORMATS

__all__ = ["ENTITIES", "ENTITY_NAMES", "FORMATS", "Export", "ExportRequest", "UnknownFields",
           "export_to_file", "file_name"]
