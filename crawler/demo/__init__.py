"""The bundled demo portal: synthetic annual reports with exact ground truth, served on loopback.

generator: `generate_report` (values satisfying every template check); render: HTML / text / PDF;
site: `DemoPortal` (pages + `ground_truth`); server: `serve_portal` (context manager → base URL).
"""
